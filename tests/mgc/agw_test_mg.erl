%% SPDX-License-Identifier: GPL-2.0-only
%%
%% agw_test_mg: a second real megaco stack acting as MG, to test the
%% agw_mgc harness where agwd does not (yet) do what a scenario checks.
%%
%%   erl -noshell -pa $BUILD/mgc -run agw_test_mg main -extra [options]
%%
%% It registers with ServiceChange (Restart/901 by default, with a
%% ServiceChangeProfile when asked), retrying until an MGC answers, and
%% follows the answer: a ServiceChangeMgcId sends it to that MGC. It
%% answers Add, Modify and Subtract like a simple TCP media gateway ("$"
%% context and termination IDs chosen, "$" in the Local's c= and m= filled
%% in, 411 for unknown contexts, 430 for unknown terminations, Statistics
%% in Subtract replies, a Notify of each requested event 200 ms after a
%% Modify with Events); AuditValue and AuditCapability of ROOT, of a
%% termination, of "*" in a context or in "Context = *"; and MGC-initiated
%% ServiceChange (Forced clears every context or the termination, Graceful
%% and Restart are acknowledged, HandOff with MgcIdToTry makes it register
%% with that MGC with HandOff/903, keeping its contexts). It may know
%% several MGCs (--mgc, in order): when the current one is lost (TCP
%% closed, or a heartbeat AuditValue unanswered) it registers with the
%% next, with Disconnected/900 keeping its contexts or Restart/901
%% clearing them (--lost-method). Log lines go to stderr.
-module(agw_test_mg).
-behaviour(megaco_user).

-export([main/0, main/1]).
-export([handle_connect/2, handle_disconnect/3, handle_syntax_error/3,
	 handle_message_error/3, handle_trans_request/3,
	 handle_trans_long_request/3, handle_trans_reply/4,
	 handle_trans_ack/4, handle_unexpected_trans/3,
	 handle_trans_request_abort/4, handle_segment_reply/5]).

-include_lib("megaco/include/megaco.hrl").
-include_lib("megaco/include/megaco_message_v3.hrl").

-define(TAB, agw_test_mg).
-define(CTL, agw_test_mg_ctl).

% Options come after -extra: erl -noshell ... -run agw_test_mg main -extra ...
main() -> main(init:get_plain_arguments()).

main(Args) ->
    O0 = opts(Args, #{transport => udp, encoding => pretty,
		      mgc_host => "127.0.0.1", mgc_port => 2944, mgcs => [],
		      addr => "127.0.0.1", version => 3, family => inet,
		      mid => "agw_test_mg", method => restart,
		      reason => "901 Cold Boot", lost_method => disconnected,
		      profile => none, heartbeat => 0, packages => []}),
    O = case maps:get(mgcs, O0) of
	    [] -> O0#{mgcs => [{maps:get(mgc_host, O0), maps:get(mgc_port, O0)}]};
	    _ -> O0
	end,
    _ = logger:remove_handler(default),
    ok = logger:add_handler(default, logger_std_h,
			    #{config => #{type => standard_error}}),
    ?TAB = ets:new(?TAB, [named_table, public, set]),
    ets:insert(?TAB, [{next_ctx, 0}, {next_term, 0}, {next_port, 40000},
		      {addr, maps:get(addr, O)},
		      {packages, maps:get(packages, O)}]),
    register(?CTL, self()),
    ok = megaco:start(),
    Mid = {deviceName, maps:get(mid, O)},
    ets:insert(?TAB, {mid, Mid}),
    ok = megaco:start_user(Mid, [{user_mod, ?MODULE},
				 {protocol_version, maps:get(version, O)}]),
    RH0 = megaco:user_info(Mid, receive_handle),
    RH = RH0#megaco_receive_handle{
	   encoding_mod = encoder(maps:get(encoding, O)),
	   encoding_config = [],
	   send_mod = send_mod(maps:get(transport, O))},
    T = start_transport(O, RH),
    {MgcAddr, CH} = register_loop(O, RH, T, hd(maps:get(mgcs, O)),
				  maps:get(method, O), maps:get(reason, O), 60),
    log("registered with ~s", [MgcAddr]),
    loop(O, RH, T, CH, MgcAddr).

opts([], O) -> O;
opts(["--transport", T | R], O) -> opts(R, O#{transport => list_to_atom(T)});
opts(["--encoding", E | R], O) -> opts(R, O#{encoding => list_to_atom(E)});
opts(["--mgc-host", H | R], O) -> opts(R, O#{mgc_host => H});
opts(["--mgc-port", P | R], O) -> opts(R, O#{mgc_port => list_to_integer(P)});
opts(["--mgc", HP | R], O = #{mgcs := L}) ->
    opts(R, O#{mgcs => L ++ [host_port(HP)]});
opts(["--family", F | R], O) -> opts(R, O#{family => list_to_atom(F)});
opts(["--addr", A | R], O) -> opts(R, O#{addr => A});
opts(["--mid", M | R], O) -> opts(R, O#{mid => M});
opts(["--version", V | R], O) -> opts(R, O#{version => list_to_integer(V)});
opts(["--method", M | R], O) -> opts(R, O#{method => list_to_atom(M)});
opts(["--reason", T | R], O) -> opts(R, O#{reason => T});
opts(["--lost-method", M | R], O) ->
    opts(R, O#{lost_method => list_to_atom(M)});
opts(["--profile", P | R], O) ->
    [N, V] = string:split(P, "/"),
    opts(R, O#{profile => #'ServiceChangeProfile'{
			     profileName = N, version = list_to_integer(V)}});
opts(["--heartbeat", Ms | R], O) ->
    opts(R, O#{heartbeat => list_to_integer(Ms)});
%% The packages it announces: those of agw's profile table
%% (tests/helpers/h248_profile --erl), version 1.
opts(["--packages-from", F | R], O) ->
    {ok, Rows} = agw_profile:read(F),
    opts(R, O#{packages => agw_profile:packages(Rows)}).

%% "127.0.0.1:2944", "[::1]:2944"
host_port("[" ++ Rest) ->
    {H, "]:" ++ P} = lists:splitwith(fun(C) -> C =/= $] end, Rest),
    {H, list_to_integer(P)};
host_port(HP) ->
    [H, P] = string:split(HP, ":", trailing),
    {H, list_to_integer(P)}.

encoder(pretty) -> megaco_pretty_text_encoder;
encoder(compact) -> megaco_compact_text_encoder.

send_mod(udp) -> megaco_udp;
send_mod(tcp) -> megaco_tcp.

log(F) -> log(F, []).
log(F, A) -> io:format(standard_error, "agw_test_mg: " ++ F ++ "~n", A).

%% ---- registration and the MGC list ------------------------------------

start_transport(#{transport := udp}, RH) ->
    {ok, Sup} = megaco_udp:start_transport(),
    {ok, Handle, Ctrl} = megaco_udp:open(Sup, [{port, 0},
					       {receive_handle, RH}]),
    {udp, Handle, Ctrl};
start_transport(#{transport := tcp}, _RH) ->
    {ok, Sup} = megaco_tcp:start_transport(),
    {tcp, Sup}.

%% Connect to the MGC at {Host, Port} and register until it answers;
%% a reply with ServiceChangeMgcId sends us to that MGC instead.
register_loop(_O, _RH, _T, _Mgc, _M, _R, 0) ->
    log("no MGC answered"),
    erlang:halt(1);
register_loop(O, RH, T, Mgc = {Host, Port}, Method, Reason, Tries) ->
    Addr = lists:flatten(io_lib:format("~s:~p", [Host, Port])),
    case connect(O, RH, T, Mgc) of
	{ok, CH} ->
	    case service_change(O, CH, Method, Reason) of
		ok ->
		    {Addr, current_ch(CH)};
		{redirect, {H2, P2}} ->
		    log("~s redirects to ~s:~p", [Addr, H2, P2]),
		    catch megaco:disconnect(CH, redirected),
		    register_loop(O, RH, T, {H2, P2}, Method, Reason, Tries);
		Error ->
		    log("registration with ~s: ~p", [Addr, Error]),
		    catch megaco:disconnect(CH, retry),
		    timer:sleep(500),
		    register_loop(O, RH, T, Mgc, Method, Reason, Tries - 1)
	    end;
	Error ->
	    log("connect ~s: ~p", [Addr, Error]),
	    timer:sleep(500),
	    register_loop(O, RH, T, Mgc, Method, Reason, Tries - 1)
    end.

%% megaco keys a connection by the MGC's MID once its first message came:
%% the handle the callbacks see. Old connections are disconnected before a
%% new one is made, so there is one.
current_ch(CH) ->
    [{mid, Mid}] = ets:lookup(?TAB, mid),
    case [C || C = #megaco_conn_handle{remote_mid = R}
		   <- megaco:user_info(Mid, connections),
	       R =/= preliminary_mid] of
	[Real] -> Real;
	_ -> CH
    end.

connect(_O, RH, {udp, Handle, Ctrl}, {Host, Port}) ->
    {ok, IP} = inet:parse_address(Host),
    SH = megaco_udp:create_send_handle(Handle, IP, Port),
    megaco:connect(RH, preliminary_mid, SH, Ctrl);
connect(O, RH, {tcp, Sup}, {Host, Port}) ->
    {ok, IP} = inet:parse_address(Host),
    Opts = case maps:get(family, O) of
	       inet6 -> [{tcp_options, [inet6]}];
	       _ -> []
	   end,
    case megaco_tcp:connect(Sup, [{host, IP}, {port, Port},
				  {receive_handle, RH} | Opts]) of
	{ok, SH, Ctrl} -> megaco:connect(RH, preliminary_mid, SH, Ctrl);
	Error -> Error
    end.

service_change(O, CH, Method, Reason) ->
    Parms = #'ServiceChangeParm'{serviceChangeMethod = Method,
				 serviceChangeReason = [Reason],
				 serviceChangeProfile =
				     case maps:get(profile, O) of
					 none -> asn1_NOVALUE;
					 P -> P
				     end},
    Req = #'ServiceChangeRequest'{terminationID =
				      [?megaco_root_termination_id],
				  serviceChangeParms = Parms},
    AR = #'ActionRequest'{contextId = ?megaco_null_context_id,
			  commandRequests =
			      [#'CommandRequest'{command =
						     {serviceChangeReq, Req}}]},
    Timer = #megaco_incr_timer{wait_for = 1000, factor = 1, incr = 0,
			       max_retries = 1},
    case megaco:call(CH, [AR], [{request_timer, Timer}]) of
	{_PV, {ok, [#'ActionReply'{commandReply =
				       [{serviceChangeReply,
					 #'ServiceChangeReply'{
					    serviceChangeResult =
						{serviceChangeResParms,
						 Res}}}]}]}} ->
	    case Res#'ServiceChangeResParm'.serviceChangeMgcId of
		asn1_NOVALUE ->
		    log("accepted, profile ~p, version ~p",
			[Res#'ServiceChangeResParm'.serviceChangeProfile,
			 Res#'ServiceChangeResParm'.serviceChangeVersion]),
		    ok;
		Mid -> {redirect, mid_host_port(Mid)}
	    end;
	Other ->
	    {error, Other}
    end.

mid_host_port({ip4Address, #'IP4Address'{address = A, portNumber = P}}) ->
    {inet:ntoa(list_to_tuple(A)), P};
mid_host_port({ip6Address, #'IP6Address'{address = A, portNumber = P}}) ->
    {inet:ntoa(list_to_tuple(pairs(A))), P}.

pairs([H, L | R]) -> [H bsl 8 bor L | pairs(R)];
pairs([]) -> [].

%% Registered with MgcAddr over CH: wait for the loss of that MGC, a
%% HandOff, or the heartbeat's verdict.
loop(O, RH, T, CH, MgcAddr) ->
    HB = maps:get(heartbeat, O),
    HB > 0 andalso erlang:send_after(HB, self(), heartbeat),
    receive
	heartbeat ->
	    Self = self(),
	    spawn(fun() -> Self ! {heartbeat, CH, alive(CH)} end),
	    loop(O, RH, T, CH, MgcAddr);
	{heartbeat, CH, true} ->
	    loop(O, RH, T, CH, MgcAddr);
	{heartbeat, CH, false} ->
	    lost(O, RH, T, CH, MgcAddr);
	{disconnected, CH} ->
	    lost(O, RH, T, CH, MgcAddr);
	{handoff, CH, Mgc} ->
	    timer:sleep(200), % let the reply to the HandOff go out first
	    catch megaco:disconnect(CH, handoff),
	    {Addr, CH2} = register_loop(O, RH, T, Mgc, handOff,
					"903 MGC Directed Change", 60),
	    log("handed off to ~s", [Addr]),
	    loop(O, RH, T, CH2, Addr);
	_ ->
	    loop(O, RH, T, CH, MgcAddr)
    end.

%% The current MGC is gone: the next one of the list, with the method
%% --lost-method says (Disconnected/900 keeps the contexts, Restart/901
%% clears them: H.248.1 11.5).
lost(O, RH, T, CH, MgcAddr) ->
    log("lost MGC ~s", [MgcAddr]),
    catch megaco:disconnect(CH, lost),
    Mgcs = maps:get(mgcs, O),
    Next = next_mgc(MgcAddr, Mgcs),
    {Method, Reason} = case maps:get(lost_method, O) of
			   restart ->
			       clear_all(),
			       {restart, "901 Cold Boot"};
			   disconnected ->
			       {disconnected, "900 Service Restored"}
		       end,
    {Addr, CH2} = register_loop(O, RH, T, Next, Method, Reason, 60),
    log("registered with ~s after losing ~s", [Addr, MgcAddr]),
    loop(O, RH, T, CH2, Addr).

next_mgc(Addr, Mgcs) ->
    Texts = [lists:flatten(io_lib:format("~s:~p", [H, P])) || {H, P} <- Mgcs],
    case length(lists:takewhile(fun(X) -> X =/= Addr end, Texts)) of
	I when I < length(Mgcs) -> lists:nth((I + 1) rem length(Mgcs) + 1, Mgcs);
	_ -> hd(Mgcs)
    end.

%% Liveness: an AuditValue of ROOT, one try of a second.
alive(CH) ->
    AR = #'ActionRequest'{
	    contextId = ?megaco_null_context_id,
	    commandRequests =
		[#'CommandRequest'{
		    command = {auditValueRequest,
			       #'AuditRequest'{
				  terminationID = ?megaco_root_termination_id,
				  auditDescriptor = #'AuditDescriptor'{}}}}]},
    Timer = #megaco_incr_timer{wait_for = 1000, factor = 1, incr = 0,
			       max_retries = 0},
    case catch megaco:call(CH, [AR], [{request_timer, Timer}]) of
	{_PV, {ok, _}} -> true;
	{_PV, {error, #'ErrorDescriptor'{errorCode = C}}} -> C =/= 402;
	_ -> false
    end.

tell(Msg) ->
    case whereis(?CTL) of
	undefined -> ok;
	Pid -> Pid ! Msg
    end.

%% ---- answering the MGC --------------------------------------------------

handle_trans_request(CH, _PV, ARs) ->
    {discard_ack, lists:append([action(CH, AR) || AR <- ARs])}.

next(Key) -> ets:update_counter(?TAB, Key, 1).

contexts() -> lists:usort([C || [C] <- ets:match(?TAB, {{ctx, '$1'}, '_'})]).
terms(Ctx) -> lists:sort([T || [T] <- ets:match(?TAB, {{term, Ctx, '$1'}, '_'})]).

clear_all() ->
    ets:match_delete(?TAB, {{ctx, '_'}, '_'}),
    ets:match_delete(?TAB, {{term, '_', '_'}, '_'}).

%% Every action gives one ActionReply, except an audit of "Context = *",
%% which answers one per context (H.248.1 7.2.5 wildcard replies).
action(_CH, #'ActionRequest'{contextId = ?megaco_all_context_id,
			     commandRequests = CRs}) ->
    case contexts() of
	[] -> [#'ActionReply'{contextId = ?megaco_all_context_id,
			      errorDescriptor =
				  error_desc(431, "no termination matched")}];
	Ctxs -> [commands_in(Ctx, CRs) || Ctx <- Ctxs]
    end;
action(CH, #'ActionRequest'{contextId = Ctx0, commandRequests = CRs}) ->
    Ctx = case Ctx0 of
	      ?megaco_choose_context_id -> next(next_ctx);
	      _ -> Ctx0
	  end,
    Known = Ctx0 =:= ?megaco_choose_context_id orelse
	Ctx0 =:= ?megaco_null_context_id orelse
	ets:member(?TAB, {ctx, Ctx}),
    case Known of
	false ->
	    [#'ActionReply'{contextId = Ctx0,
			    errorDescriptor = error_desc(411, "Unknown context")}];
	true ->
	    [commands(CH, Ctx, CRs, [])]
    end.

commands_in(Ctx, CRs) ->
    commands(none, Ctx, CRs, []).

commands(_CH, Ctx, [], Acc) ->
    #'ActionReply'{contextId = Ctx, commandReply = lists:reverse(Acc)};
commands(CH, Ctx, [#'CommandRequest'{command = C} | Rest], Acc) ->
    case command(CH, Ctx, C) of
	{error, ED} ->
	    #'ActionReply'{contextId = Ctx, errorDescriptor = ED,
			   commandReply = lists:reverse(Acc)};
	Replies when is_list(Replies) ->
	    commands(CH, Ctx, Rest, lists:reverse(Replies) ++ Acc);
	Reply ->
	    commands(CH, Ctx, Rest, [Reply | Acc])
    end.

command(_CH, Ctx, {addReq, #'AmmRequest'{terminationID = [Tid0],
					 descriptors = Ds}}) ->
    Tid = choose_term(Tid0),
    Local = local_reply(Ds),
    ets:insert(?TAB, [{{ctx, Ctx}, true}, {{term, Ctx, Tid}, Local}]),
    log("add ~s to context ~p", [tid_text(Tid), Ctx]),
    {addReply, #'AmmsReply'{terminationID = [Tid], terminationAudit = Local}};
command(CH, Ctx, {modReq, #'AmmRequest'{terminationID = [Tid],
					descriptors = Ds}}) ->
    case ets:member(?TAB, {term, Ctx, Tid}) of
	false -> {error, error_desc(430, "Unknown termination")};
	true ->
	    [ets:insert(?TAB, {{events, Tid}, ED})
	     || {eventsDescriptor, ED} <- Ds],
	    notify_later(CH, Ctx, Tid, Ds),
	    {modReply, #'AmmsReply'{terminationID = [Tid],
				    terminationAudit = local_reply(Ds)}}
    end;
command(_CH, Ctx, {subtractReq, #'SubtractRequest'{terminationID = [Tid]}}) ->
    Terms = case wildcard(Tid) of
		true -> terms(Ctx);
		false -> [Tid || ets:member(?TAB, {term, Ctx, Tid})]
	    end,
    case Terms of
	[] -> {error, error_desc(430, "Unknown termination")};
	_ ->
	    [ets:delete(?TAB, {term, Ctx, T}) || T <- Terms],
	    case terms(Ctx) of
		[] -> ets:delete(?TAB, {ctx, Ctx});
		_ -> ok
	    end,
	    {subtractReply,
	     #'AmmsReply'{terminationID = [hd(Terms)],
			  terminationAudit = [{statisticsDescriptor, stats()}]}}
    end;
command(_CH, Ctx, {auditValueRequest, AR}) -> audit(auditValueReply, Ctx, AR);
command(_CH, Ctx, {auditCapRequest, AR}) -> audit(auditCapReply, Ctx, AR);
command(CH, Ctx, {serviceChangeReq,
		  #'ServiceChangeRequest'{terminationID = [Tid],
					  serviceChangeParms = P}}) ->
    mgc_service_change(CH, Ctx, Tid, P);
command(_CH, _Ctx, _Other) ->
    {error, error_desc(?megaco_not_implemented,
		       "agw_test_mg answers Add, Modify, Subtract, Audit, "
		       "ServiceChange")}.

stats() ->
    [#'StatisticsParameter'{statName = N, statValue = ["0"]}
     || N <- ["nt/os", "nt/or", "nt/dur"]].

%% ---- audits (H.248.1 7.2.5, 7.2.6) ----

audit(Kind, Ctx, #'AuditRequest'{terminationID = Tid,
				 auditDescriptor = AD}) ->
    Tokens = case AD of
		 #'AuditDescriptor'{auditToken = L} when is_list(L) -> L;
		 _ -> []
	     end,
    case {Tid, Ctx} of
	{?megaco_root_termination_id, _} ->
	    {Kind, {auditResult,
		    #'AuditResult'{terminationID = Tid,
				   terminationAuditResult =
				       root_audit(Kind, Tokens)}}};
	_ ->
	    Terms = case wildcard(Tid) of
			true -> terms(Ctx);
			false -> [Tid || ets:member(?TAB, {term, Ctx, Tid})]
		    end,
	    case {Terms, wildcard(Tid)} of
		{[], true} -> {error, error_desc(431, "no termination matched")};
		{[], false} -> {error, error_desc(430, "Unknown termination")};
		_ ->
		    [{Kind, {auditResult,
			     #'AuditResult'{terminationID = T,
					    terminationAuditResult =
						term_audit(Ctx, T, Tokens)}}}
		     || T <- Terms]
	    end
    end.

packages() ->
    [{packages, Pkgs}] = ets:lookup(?TAB, packages),
    {packagesDescriptor, [#'PackagesItem'{packageName = N, packageVersion = 1}
			  || N <- Pkgs]}.

root_audit(_Kind, Tokens) ->
    [packages() || lists:member(packagesToken, Tokens)].

term_audit(Ctx, Tid, Tokens) ->
    [{_, Local}] = ets:lookup(?TAB, {term, Ctx, Tid}),
    lists:append([term_desc(Tok, Tid, Local) || Tok <- Tokens]).

term_desc(mediaToken, _Tid, Local) ->
    LC = #'LocalControlDescriptor'{streamMode = sendRecv, propertyParms = []},
    Streams = case Local of
		  [{mediaDescriptor,
		    #'MediaDescriptor'{streams = {multiStream, SDs}}} | _] ->
		      [SD#'StreamDescriptor'{
			    streamParms = SP#'StreamParms'{
					    localControlDescriptor = LC}}
		       || SD = #'StreamDescriptor'{streamParms = SP} <- SDs];
		  _ ->
		      [#'StreamDescriptor'{
			  streamID = 1,
			  streamParms = #'StreamParms'{localControlDescriptor = LC}}]
	      end,
    [{mediaDescriptor, #'MediaDescriptor'{streams = {multiStream, Streams}}}];
term_desc(eventsToken, Tid, _) ->
    case ets:lookup(?TAB, {events, Tid}) of
	[{_, ED}] -> [{eventsDescriptor, ED}];
	[] -> [{eventsDescriptor, #'EventsDescriptor'{requestID = asn1_NOVALUE,
						      eventList = []}}]
    end;
term_desc(signalsToken, _, _) -> [{signalsDescriptor, []}];
term_desc(statsToken, _, _) -> [{statisticsDescriptor, stats()}];
term_desc(packagesToken, _, _) -> [packages()];
term_desc(_, _, _) -> [].

%% ---- ServiceChange from the MGC (H.248.1 7.2.8) ----

mgc_service_change(CH, Ctx, Tid, #'ServiceChangeParm'{
				    serviceChangeMethod = M,
				    serviceChangeMgcId = MgcId,
				    serviceChangeDelay = Delay}) ->
    log("MGC ServiceChange ~p on ~s (delay ~p)", [M, tid_text(Tid), Delay]),
    Reply = {serviceChangeReply,
	     #'ServiceChangeReply'{terminationID = [Tid],
				   serviceChangeResult =
				       {serviceChangeResParms,
					#'ServiceChangeResParm'{}}}},
    case {M, Tid} of
	{handOff, _} when MgcId =:= asn1_NOVALUE ->
	    {error, error_desc(472, "HandOff needs a ServiceChangeMgcId")};
	{handOff, _} ->
	    tell({handoff, CH, mid_host_port(MgcId)}),
	    Reply;
	{forced, ?megaco_root_termination_id} ->
	    clear_all(),
	    Reply;
	{forced, _} ->
	    case terms_named(Ctx, Tid) of
		[] -> {error, error_desc(430, "Unknown termination")};
		Ts -> [ets:delete(?TAB, {term, C, T}) || {C, T} <- Ts], Reply
	    end;
	{_, ?megaco_root_termination_id} ->
	    Reply;
	_ ->
	    case terms_named(Ctx, Tid) of
		[] -> {error, error_desc(430, "Unknown termination")};
		_ -> Reply
	    end
    end.

%% A termination named in a ServiceChange may sit in any context.
terms_named(_Ctx, Tid) ->
    [{C, T} || [C, T] <- ets:match(?TAB, {{term, '$1', '$2'}, '_'}),
	       T =:= Tid orelse wildcard(Tid)].

error_desc(Code, Text) ->
    #'ErrorDescriptor'{errorCode = Code, errorText = Text}.

wildcard(#megaco_term_id{contains_wildcards = W}) -> W =:= true.

%% "ip/$" becomes "ip/N".
choose_term(T = #megaco_term_id{id = Parts}) ->
    case lists:member([?megaco_choose], Parts) of
	false -> T;
	true ->
	    N = integer_to_list(next(next_term)),
	    T#megaco_term_id{contains_wildcards = false,
			     id = [case P of
				       [?megaco_choose] -> N;
				       _ -> P
				   end || P <- Parts]}
    end.

tid_text(#megaco_term_id{id = Parts}) -> lists:join("/", Parts).

%% The reply carries the Local descriptors with "$" filled in (streams
%% without Local are left out: an empty Stream {} is not valid text).
local_reply(Ds) ->
    Streams = [S || {mediaDescriptor, #'MediaDescriptor'{streams = S}} <- Ds],
    case lists:append([local_streams(S) || S <- Streams]) of
	[] -> [];
	SDs -> [{mediaDescriptor,
		 #'MediaDescriptor'{streams = {multiStream, SDs}}}]
    end.

local_streams({oneStream, SP}) -> local_streams({multiStream,
						 [#'StreamDescriptor'{
						     streamID = 1,
						     streamParms = SP}]});
local_streams({multiStream, SDs}) ->
    [SD#'StreamDescriptor'{streamParms = fill_parms(L)}
     || SD = #'StreamDescriptor'{
	       streamParms = #'StreamParms'{
				localDescriptor =
				    L = #'LocalRemoteDescriptor'{}}} <- SDs];
local_streams(_) -> [].

fill_parms(#'LocalRemoteDescriptor'{propGrps = PGs}) ->
    [{addr, Addr}] = ets:lookup(?TAB, addr),
    Filled = [[fill_prop(P, Addr) || P <- PG] || PG <- PGs],
    #'StreamParms'{localDescriptor =
		       #'LocalRemoteDescriptor'{propGrps = Filled}}.

fill_prop(P = #'PropertyParm'{name = "c", value = [V]}, Addr) ->
    P#'PropertyParm'{value = [string:replace(V, "$", Addr, all)]};
fill_prop(P = #'PropertyParm'{name = "m", value = [V]}, _Addr) ->
    Port = integer_to_list(next(next_port)),
    P#'PropertyParm'{value = [string:replace(V, "$", Port, all)]};
fill_prop(P, _Addr) -> P.

notify_later(CH, Ctx, Tid, Ds) ->
    Events = [{RID, E#'RequestedEvent'.pkgdName}
	      || {eventsDescriptor, #'EventsDescriptor'{requestID = RID,
							  eventList = Es}} <- Ds,
		 E <- Es],
    [spawn(fun() -> timer:sleep(200), notify(CH, Ctx, Tid, RID, Name) end)
     || {RID, Name} <- Events],
    ok.

notify(CH, Ctx, Tid, RID, Name) ->
    OED = #'ObservedEventsDescriptor'{
	     requestId = RID,
	     observedEventLst = [#'ObservedEvent'{eventName = Name}]},
    Req = #'NotifyRequest'{terminationID = [Tid],
			   observedEventsDescriptor = OED},
    AR = #'ActionRequest'{contextId = Ctx,
			  commandRequests =
			      [#'CommandRequest'{command = {notifyReq, Req}}]},
    log("notify ~s on ~s: ~p", [Name, tid_text(Tid),
				megaco:call(CH, [AR], [])]).

handle_connect(_CH, _PV) -> ok.
handle_disconnect(CH, _PV, Reason) ->
    log("disconnected: ~p", [Reason]),
    tell({disconnected, CH}),
    megaco:cancel(CH, Reason),
    ok.
handle_syntax_error(_RH, _PV, ED) ->
    log("syntax error: ~p", [ED]),
    reply.
handle_message_error(_CH, _PV, ED) ->
    log("message error: ~p", [ED]),
    ok.
handle_trans_long_request(_CH, _PV, _Data) ->
    {discard_ack, error_desc(?megaco_not_implemented, "no long requests")}.
handle_trans_reply(_CH, _PV, _Reply, _Data) -> ok.
handle_trans_ack(_CH, _PV, _Status, _Data) -> ok.
handle_unexpected_trans(_CH, _PV, _Trans) -> ok.
handle_trans_request_abort(_CH, _PV, _Tid, _Pid) -> ok.
handle_segment_reply(_CH, _PV, _Tid, _SN, _SC) -> ok.
