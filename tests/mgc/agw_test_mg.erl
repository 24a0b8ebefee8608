%% SPDX-License-Identifier: GPL-2.0-only
%%
%% agw_test_mg: a second real megaco stack acting as MG, to test the
%% agw_mgc harness before agwd exists.
%%
%%   erl -noshell -pa $BUILD/mgc -run agw_test_mg main -extra [options]
%%
%% It registers with ServiceChange (Restart), retrying until the MGC
%% answers, then answers Add, Modify and Subtract like a simple TCP media
%% gateway: "$" context and termination IDs are chosen, "$" in the Local
%% SDP's c= and m= lines is filled in, unknown contexts get 411 and
%% unknown terminations 430, Subtract replies carry Statistics. A Modify
%% with an Events descriptor makes it Notify each requested event shortly
%% after (as if the event had happened). Log lines go to stderr.
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

% Options come after -extra: erl -noshell ... -run agw_test_mg main -extra ...
main() -> main(init:get_plain_arguments()).

main(Args) ->
    O = opts(Args, #{transport => udp, encoding => pretty,
		     mgc_host => "127.0.0.1", mgc_port => 2944,
		     addr => "127.0.0.1", version => 3,
		     mid => "agw_test_mg"}),
    _ = logger:remove_handler(default),
    ok = logger:add_handler(default, logger_std_h,
			    #{config => #{type => standard_error}}),
    ?TAB = ets:new(?TAB, [named_table, public, set]),
    ets:insert(?TAB, [{next_ctx, 0}, {next_term, 0}, {next_port, 40000},
		      {addr, maps:get(addr, O)}]),
    ok = megaco:start(),
    Mid = {deviceName, maps:get(mid, O)},
    ok = megaco:start_user(Mid, [{user_mod, ?MODULE},
				 {protocol_version, maps:get(version, O)}]),
    RH0 = megaco:user_info(Mid, receive_handle),
    RH = RH0#megaco_receive_handle{
	   encoding_mod = encoder(maps:get(encoding, O)),
	   encoding_config = [],
	   send_mod = send_mod(maps:get(transport, O))},
    register_loop(O, RH, 60),
    log("registered"),
    receive stop -> ok end.

opts([], O) -> O;
opts(["--transport", T | R], O) -> opts(R, O#{transport => list_to_atom(T)});
opts(["--encoding", E | R], O) -> opts(R, O#{encoding => list_to_atom(E)});
opts(["--mgc-host", H | R], O) -> opts(R, O#{mgc_host => H});
opts(["--mgc-port", P | R], O) -> opts(R, O#{mgc_port => list_to_integer(P)});
opts(["--addr", A | R], O) -> opts(R, O#{addr => A});
opts(["--mid", M | R], O) -> opts(R, O#{mid => M});
opts(["--version", V | R], O) -> opts(R, O#{version => list_to_integer(V)}).

encoder(pretty) -> megaco_pretty_text_encoder;
encoder(compact) -> megaco_compact_text_encoder.

send_mod(udp) -> megaco_udp;
send_mod(tcp) -> megaco_tcp.

log(F) -> log(F, []).
log(F, A) -> io:format(standard_error, "agw_test_mg: " ++ F ++ "~n", A).

%% The MGC may start after us: connect, then register until it answers.
register_loop(O, RH, Tries) ->
    CH = connect(O, RH, Tries),
    service_change_loop(CH, Tries).

connect(#{transport := udp, mgc_host := Host, mgc_port := Port}, RH, _) ->
    {ok, Sup} = megaco_udp:start_transport(),
    {ok, Handle, Ctrl} = megaco_udp:open(Sup, [{port, 0},
					       {receive_handle, RH}]),
    {ok, IP} = inet:parse_address(Host),
    SH = megaco_udp:create_send_handle(Handle, IP, Port),
    {ok, CH} = megaco:connect(RH, preliminary_mid, SH, Ctrl),
    CH;
connect(#{transport := tcp, mgc_host := Host, mgc_port := Port}, RH, Tries) ->
    {ok, Sup} = megaco_tcp:start_transport(),
    {ok, IP} = inet:parse_address(Host),
    tcp_connect(Sup, [{host, IP}, {port, Port}, {receive_handle, RH}], RH,
		Tries).

tcp_connect(_Sup, _Opts, _RH, 0) ->
    log("no MGC listening"),
    erlang:halt(1);
tcp_connect(Sup, Opts, RH, Tries) ->
    case megaco_tcp:connect(Sup, Opts) of
	{ok, SH, Ctrl} ->
	    {ok, CH} = megaco:connect(RH, preliminary_mid, SH, Ctrl),
	    CH;
	Error ->
	    log("connect: ~p", [Error]),
	    timer:sleep(500),
	    tcp_connect(Sup, Opts, RH, Tries - 1)
    end.

service_change_loop(_CH, 0) ->
    log("no MGC answered"),
    erlang:halt(1);
service_change_loop(CH, Tries) ->
    case service_change(CH) of
	ok -> ok;
	Error ->
	    log("registration: ~p", [Error]),
	    timer:sleep(500),
	    service_change_loop(CH, Tries - 1)
    end.

service_change(CH) ->
    Parms = #'ServiceChangeParm'{serviceChangeMethod = restart,
				 serviceChangeReason = [?megaco_cold_boot]},
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
						{serviceChangeResParms, _}}}]}]}} ->
	    ok;
	Other ->
	    {error, Other}
    end.

%% ---- answering the MGC --------------------------------------------------

handle_trans_request(CH, _PV, ARs) ->
    {discard_ack, [action(CH, AR) || AR <- ARs]}.

next(Key) -> ets:update_counter(?TAB, Key, 1).

action(CH, #'ActionRequest'{contextId = Ctx0, commandRequests = CRs}) ->
    Ctx = case Ctx0 of
	      ?megaco_choose_context_id -> next(next_ctx);
	      _ -> Ctx0
	  end,
    Known = Ctx0 =:= ?megaco_choose_context_id orelse
	ets:member(?TAB, {ctx, Ctx}),
    case Known of
	false ->
	    #'ActionReply'{contextId = Ctx0,
			   errorDescriptor = error_desc(411, "Unknown context")};
	true ->
	    commands(CH, Ctx, CRs, [])
    end.

commands(_CH, Ctx, [], Acc) ->
    #'ActionReply'{contextId = Ctx, commandReply = lists:reverse(Acc)};
commands(CH, Ctx, [#'CommandRequest'{command = C} | Rest], Acc) ->
    case command(CH, Ctx, C) of
	{error, ED} ->
	    #'ActionReply'{contextId = Ctx, errorDescriptor = ED,
			   commandReply = lists:reverse(Acc)};
	Reply ->
	    commands(CH, Ctx, Rest, [Reply | Acc])
    end.

command(_CH, Ctx, {addReq, #'AmmRequest'{terminationID = [Tid0],
					 descriptors = Ds}}) ->
    Tid = choose_term(Tid0),
    ets:insert(?TAB, [{{ctx, Ctx}, true}, {{term, Ctx, Tid}, true}]),
    log("add ~s to context ~p", [tid_text(Tid), Ctx]),
    {addReply, #'AmmsReply'{terminationID = [Tid],
			    terminationAudit = local_reply(Ds)}};
command(CH, Ctx, {modReq, #'AmmRequest'{terminationID = [Tid],
					descriptors = Ds}}) ->
    case ets:member(?TAB, {term, Ctx, Tid}) of
	false -> {error, error_desc(430, "Unknown termination")};
	true ->
	    notify_later(CH, Ctx, Tid, Ds),
	    {modReply, #'AmmsReply'{terminationID = [Tid],
				    terminationAudit = local_reply(Ds)}}
    end;
command(_CH, Ctx, {subtractReq, #'SubtractRequest'{terminationID = [Tid]}}) ->
    Terms = case wildcard(Tid) of
		true -> [T || [T] <- ets:match(?TAB, {{term, Ctx, '$1'}, '_'})];
		false -> [Tid || ets:member(?TAB, {term, Ctx, Tid})]
	    end,
    case Terms of
	[] -> {error, error_desc(430, "Unknown termination")};
	_ ->
	    [ets:delete(?TAB, {term, Ctx, T}) || T <- Terms],
	    case ets:match(?TAB, {{term, Ctx, '_'}, '_'}) of
		[] -> ets:delete(?TAB, {ctx, Ctx});
		_ -> ok
	    end,
	    Stats = [#'StatisticsParameter'{statName = N, statValue = ["0"]}
		     || N <- ["nt/os", "nt/or", "nt/dur"]],
	    {subtractReply,
	     #'AmmsReply'{terminationID = [hd(Terms)],
			  terminationAudit = [{statisticsDescriptor, Stats}]}}
    end;
command(_CH, _Ctx, _Other) ->
    {error, error_desc(?megaco_not_implemented,
		       "agw_test_mg answers Add, Modify, Subtract")}.

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
