%% SPDX-License-Identifier: GPL-2.0-only
%%
%% agw_mgc: a real H.248 MGC (Erlang/OTP megaco) that test scripts drive.
%%
%%   erl -noshell -pa $BUILD/mgc -run agw_mgc main -extra [options]
%%
%% It listens (UDP or TCP, IPv4 or IPv6, pretty or compact text), waits
%% for the MG's ServiceChange, answers it (accept, redirect, profile or an
%% error, as the scenario chose), then runs a scenario of line commands and
%% prints one JSON object per step on stdout. Several MGs may register
%% with one instance (named connections); several instances (primary and
%% secondary MGC) run as separate processes. Exit status: 0 when every
%% step passed, 1 on a failed expectation or a timeout, 2 on a harness
%% error. Documentation/testing-mgc.md describes options and commands.
-module(agw_mgc).
-behaviour(megaco_user).

-export([main/0, main/1]).
-export([handle_connect/2, handle_disconnect/3, handle_syntax_error/3,
	 handle_message_error/3, handle_trans_request/3,
	 handle_trans_long_request/3, handle_trans_reply/4,
	 handle_trans_ack/4, handle_unexpected_trans/3,
	 handle_trans_request_abort/4, handle_segment_reply/5]).

-include_lib("megaco/include/megaco.hrl").
-include_lib("megaco/include/megaco_message_v3.hrl").

-define(CTL, agw_mgc_ctl).

%% ---- entry --------------------------------------------------------------

% Options come after -extra: erl -noshell ... -run agw_mgc main -extra ...
main() -> main(init:get_plain_arguments()).

main(Args) ->
    Status = try run(Args) of
		 ok -> 0
	     catch
		 throw:{exit, Code} ->
		     Code;
		 throw:{fail, Why} ->
		     emit(#{cmd => <<"fatal">>, ok => false, error => bin(Why)}),
		     2;
		 Class:Reason:Stack ->
		     emit(#{cmd => <<"fatal">>, ok => false,
			    error => fmt("~p:~p ~p", [Class, Reason, Stack])}),
		     2
	     end,
    erlang:halt(Status).

defaults() ->
    #{transport => udp, encoding => pretty, port => 2944, mg => any,
      script => "-", version => 3, register_timeout => 30000,
      mid_addr => {ip4, [127, 0, 0, 1]}, family => inet, register => auto,
      name => "mgc", mg_name => "mg",
      reply_timeout => 10000, vars => #{}}.

opts([], O) -> O;
opts(["--transport", T | R], O) when T =:= "udp"; T =:= "tcp" ->
    opts(R, O#{transport => list_to_atom(T)});
opts(["--encoding", E | R], O) when E =:= "pretty"; E =:= "compact" ->
    opts(R, O#{encoding => list_to_atom(E)});
opts(["--port", P | R], O) -> opts(R, O#{port => list_to_integer(P)});
opts(["--mg", A | R], O) -> opts(R, O#{mg => A});
opts(["--mid-addr", A | R], O) -> opts(R, O#{mid_addr => ip_octets(A)});
opts(["--family", F | R], O) when F =:= "inet"; F =:= "inet6" ->
    opts(R, O#{family => list_to_atom(F)});
opts(["--register", W | R], O) when W =:= "auto"; W =:= "script" ->
    opts(R, O#{register => list_to_atom(W)});
opts(["--name", N | R], O) -> opts(R, O#{name => N});
opts(["--mg-name", N | R], O) -> opts(R, O#{mg_name => N});
opts(["--profile", F | R], O = #{vars := Vars}) ->
    opts(R, O#{vars => maps:merge(Vars, profile_vars(F))});
opts(["--script", S | R], O) -> opts(R, O#{script => S});
opts(["--version", V | R], O) -> opts(R, O#{version => list_to_integer(V)});
opts(["--register-timeout", T | R], O) ->
    opts(R, O#{register_timeout => list_to_integer(T)});
opts(["--reply-timeout", T | R], O) ->
    opts(R, O#{reply_timeout => list_to_integer(T)});
opts(["--set", KV | R], O = #{vars := Vars}) ->
    [K, V] = string:split(KV, "="),
    opts(R, O#{vars => Vars#{K => V}});
opts([X | _], _) -> throw({fail, "bad option " ++ X}).

run(Args) ->
    O = opts(Args, defaults()),
    quiet_logger(),
    register(?CTL, self()),
    ok = megaco:start(),
    #{port := Port, version := Version} = O,
    Mid = mid(maps:get(mid_addr, O), Port),
    ok = megaco:start_user(Mid, [{user_mod, ?MODULE},
				 {protocol_version, Version}]),
    RH0 = megaco:user_info(Mid, receive_handle),
    RH = RH0#megaco_receive_handle{encoding_mod = agw_mgc_codec,
				   encoding_config = [encoder(O)],
				   send_mod = send_mod(O)},
    listen(O, RH),
    emit(#{cmd => <<"listen">>, ok => true, port => Port,
	   transport => maps:get(transport, O),
	   family => maps:get(family, O), name => bin(maps:get(name, O)),
	   mid => mid_text(Mid), encoding => maps:get(encoding, O)}),
    Vars = (maps:get(vars, O))#{"mgc_port" => integer_to_list(Port),
				"mgc_mid" => binary_to_list(mid_text(Mid))},
    S0 = O#{notifies => [], scs => [], seen => [], step => 0, last => #{},
	    mgs => #{}, vars => Vars},
    S = case maps:get(register, O) of
	    auto -> register_mg(S0);
	    script -> S0
	end,
    Lines = script_lines(maps:get(script, O)),
    S1 = run_lines(Lines, S),
    emit(#{cmd => <<"end">>, ok => true, steps => maps:get(step, S1)}),
    ok.

%% megaco and the VM log to stdout by default; stdout is for JSON only.
quiet_logger() ->
    _ = logger:remove_handler(default),
    ok = logger:add_handler(default, logger_std_h,
			    #{config => #{type => standard_error}}).

encoder(#{encoding := pretty}) -> megaco_pretty_text_encoder;
encoder(#{encoding := compact}) -> megaco_compact_text_encoder.

send_mod(#{transport := udp}) -> megaco_udp;
send_mod(#{transport := tcp}) -> megaco_tcp.

%% megaco_udp keeps IPv4 send handles only (create_send_handle/3 resolves
%% the peer with inet:getaddr(_, inet)): an IPv6 MGC uses TCP.
listen(#{transport := udp, family := inet6}, _RH) ->
    throw({fail, "megaco_udp cannot answer IPv6 peers: use --transport tcp"});
listen(#{transport := udp, port := Port}, RH) ->
    {ok, Sup} = megaco_udp:start_transport(),
    {ok, _SH, _Ctrl} = megaco_udp:open(Sup, [{port, Port},
					     {receive_handle, RH}]),
    ok;
listen(#{transport := tcp, port := Port, family := Family}, RH) ->
    {ok, Sup} = megaco_tcp:start_transport(),
    Opts = case Family of
	       inet6 -> [{tcp_options, [inet6, {ipv6_v6only, true}]}];
	       inet -> []
	   end,
    ok = megaco_tcp:listen(Sup, [{port, Port}, {receive_handle, RH} | Opts]).

%% "192.0.2.1" or "2001:db8::1" as the MID record's octet list.
ip_octets(A) ->
    case inet:parse_strict_address(A) of
	{ok, {_, _, _, _} = IP} -> {ip4, tuple_to_list(IP)};
	{ok, IP6} -> {ip6, lists:append([[H bsr 8, H band 255]
					 || H <- tuple_to_list(IP6)])};
	_ -> throw({fail, "bad address " ++ A})
    end.

mid({ip4, L}, Port) ->
    {ip4Address, #'IP4Address'{address = L, portNumber = Port}};
mid({ip6, L}, Port) ->
    {ip6Address, #'IP6Address'{address = L, portNumber = Port}}.

%% "[192.0.2.1]:2944", "[2001:db8::1]:2944" or the MID as megaco prints it.
mid_text({ip4Address, #'IP4Address'{address = A, portNumber = P}}) ->
    port_text(inet:ntoa(list_to_tuple(A)), P);
mid_text({ip6Address, #'IP6Address'{address = A, portNumber = P}}) ->
    port_text(inet:ntoa(list_to_tuple(pairs(A))), P);
mid_text({deviceName, N}) -> bin(N);
mid_text({domainName, #'DomainName'{name = N, portNumber = P}}) ->
    case P of
	asn1_NOVALUE -> bin(["<", N, ">"]);
	_ -> bin(["<", N, ">:", integer_to_list(P)])
    end;
mid_text(Other) -> fmt("~p", [Other]).

port_text(Addr, asn1_NOVALUE) -> bin(["[", Addr, "]"]);
port_text(Addr, P) -> bin(["[", Addr, "]:", integer_to_list(P)]).

pairs([H, L | R]) -> [H bsl 8 bor L | pairs(R)];
pairs([]) -> [].

%% The text of a MID ("[addr]:port", "<domain>:port", a device name) as a
%% record, for ServiceChangeMgcId / ServiceChangeAddress.
parse_mid("[" ++ Rest) ->
    {Addr, "]" ++ PortPart} = lists:splitwith(fun(C) -> C =/= $] end, Rest),
    Port = case PortPart of
	       ":" ++ P -> list_to_integer(P);
	       "" -> asn1_NOVALUE
	   end,
    case ip_octets(Addr) of
	{ip4, L} -> {ip4Address, #'IP4Address'{address = L, portNumber = Port}};
	{ip6, L} -> {ip6Address, #'IP6Address'{address = L, portNumber = Port}}
    end;
parse_mid("<" ++ Rest) ->
    {Name, ">" ++ PortPart} = lists:splitwith(fun(C) -> C =/= $> end, Rest),
    Port = case PortPart of
	       ":" ++ P -> list_to_integer(P);
	       "" -> asn1_NOVALUE
	   end,
    {domainName, #'DomainName'{name = Name, portNumber = Port}};
parse_mid(Name) -> {deviceName, Name}.

%% The profile table (tests/helpers/h248_profile --erl, agw_profile). Sets
%% ${item.KEY} = "pkg/name", ${pkg.KEY} = "pkg", ${name.KEY} = "name" and
%% ${packages} = the packages in table order, comma-separated.
profile_vars(File) ->
    Rows = case agw_profile:read(File) of
	       {ok, R} -> R;
	       {error, E} -> throw({fail, fmt("~s: ~p", [File, E])})
	   end,
    Pkgs = agw_profile:packages(Rows),
    maps:from_list(
      [{"packages", lists:flatten(lists:join(",", Pkgs))} |
       lists:append([[{"item." ++ K, P ++ "/" ++ N}, {"pkg." ++ K, P},
		      {"name." ++ K, N}]
		     || {item, K, P, N, _, _} <- Rows])]).

register_mg(S) ->
    case await_register(S, maps:get(mg_name, S)) of
	{Line = #{ok := true}, S1} ->
	    %% "expect field" looks at the registration until the next step
	    emit(Line#{cmd => <<"register">>}),
	    S1#{last => Line#{cmd => <<"register">>}};
	{Line, _} ->
	    emit(Line#{cmd => <<"register">>}),
	    throw({exit, 1})
    end.

%% ServiceChange methods with which an MG (re-)registers (H.248.1
%% 7.2.8.1.1); Graceful and Forced from an MG take it out of service.
registration(restart) -> true;
registration(disconnected) -> true;
registration(handoff) -> true;
registration(handOff) -> true;
registration(failover) -> true;
registration(_) -> false.

%% The MG's next registering ServiceChange (answered by
%% handle_trans_request/3 as "answer servicechange" chose); it becomes the
%% current connection, known as Name for "use". Other ServiceChanges that
%% arrive meanwhile are kept for "wait servicechange".
await_register(S = #{register_timeout := T}, Name) ->
    Deadline = erlang:monotonic_time(millisecond) + T,
    await_register(S, Name, Deadline).

await_register(S, Name, Deadline) ->
    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
    receive
	{agw_mgc, servicechange, CH, PV, Info = #{method := M}} ->
	    case registration(binary_to_existing_atom(M, utf8)) of
		false ->
		    await_register(S#{scs => maps:get(scs, S) ++ [Info]},
				   Name, Deadline);
		true ->
		    %% The user callback tells us before megaco has sent
		    %% the ServiceChange reply: give it time, so that the
		    %% first request does not overtake the reply (the MG
		    %% would answer 505).
		    timer:sleep(200),
		    Ok = case maps:get(mg, S) of
			     any -> true;
			     Want -> lists:prefix(Want, binary_to_list(
							  maps:get(peer, Info)))
			 end,
		    Vars = maps:get(vars, S),
		    Line = Info#{ok => Ok, version => PV, name => bin(Name)},
		    case maps:get(answer, Info) of
			<<"accept">> ->
			    {Line, S#{ch => CH, pv => PV, cur => Name,
				      mgs => (maps:get(mgs, S))#{Name => CH},
				      vars => Vars#{Name ++ ".mid" =>
							binary_to_list(
							  maps:get(mg_mid, Info)),
						    Name ++ ".peer" =>
							binary_to_list(
							  maps:get(peer, Info))}}};
			_ ->
			    %% redirected or refused: not ours to drive
			    {Line, S}
		    end
	    end
    after Left ->
	    {#{ok => false, error => <<"timeout">>}, S}
    end.

peer(CH) ->
    SH = megaco:conn_info(CH, send_handle),
    try megaco:conn_info(CH, send_mod) of
	megaco_udp ->
	    {_, _, Host, Port} = SH,
	    fmt("~s:~p", [inet:ntoa(Host), Port]);
	megaco_tcp ->
	    {ok, {Host, Port}} = inet:peername(megaco_tcp:socket(SH)),
	    fmt("~s:~p", [inet:ntoa(Host), Port])
    catch _:_ -> <<"unknown">>
    end.

%% ---- scenario -----------------------------------------------------------

script_lines("-") -> read_lines(standard_io, []);
script_lines(File) ->
    {ok, Bin} = file:read_file(File),
    [binary_to_list(L) || L <- binary:split(Bin, <<"\n">>, [global])].

read_lines(Dev, Acc) ->
    case io:get_line(Dev, "") of
	eof -> lists:reverse(Acc);
	{error, _} -> lists:reverse(Acc);
	L -> read_lines(Dev, [string:trim(L, trailing, "\r\n") | Acc])
    end.

run_lines([], S) -> S;
run_lines([Line | Rest], S) ->
    case string:lexemes(string:trim(Line, both, " \t\r"), " \t") of
	[] -> run_lines(Rest, S);
	["#" ++ _ | _] -> run_lines(Rest, S);
	Words ->
	    S1 = S#{step => maps:get(step, S) + 1},
	    run_lines(Rest, step([subst(W, S1) || W <- Words], S1))
    end.

step(["send", File | Opts], S) -> cmd_send(File, Opts, S);
step(["raw", File | Opts], S) -> cmd_raw(File, Opts, S);
step(["raw2", File1, File2 | Opts], S) -> cmd_raw2(File1, File2, Opts, S);
step(["resend" | Opts], S) -> cmd_resend(Opts, S);
step(["expect" | What], S) -> cmd_expect(What, S);
step(["wait", "register", Ms | As], S) ->
    Name = case As of
	       ["as", N] -> N;
	       [] -> maps:get(cur, S, maps:get(mg_name, S))
	   end,
    {Line, S1} = await_register(S#{register_timeout => list_to_integer(Ms)},
				Name),
    report(S1#{register_timeout => maps:get(register_timeout, S)},
	   Line#{cmd => <<"wait register">>});
step(["wait", "servicechange", Method, Ms], S) ->
    cmd_wait_sc(Method, list_to_integer(Ms), S);
step(["wait", "disconnect", Ms], S) ->
    cmd_wait_disconnect(list_to_integer(Ms), S);
step(["answer", "servicechange" | Opts], S) -> cmd_answer(Opts, S);
step(["servicechange", Tid, Method | Opts], S) ->
    cmd_servicechange(Tid, Method, Opts, S);
step(["audit", Ctx, Tid | Descs], S) ->
    cmd_audit("AuditValue", Ctx, Tid, Descs, S);
step(["auditcap", Ctx, Tid | Descs], S) ->
    cmd_audit("AuditCapability", Ctx, Tid, Descs, S);
step(["probe" | Opts], S) -> cmd_probe(Opts, S);
step(["use", Name], S = #{mgs := MGs}) ->
    case maps:find(Name, MGs) of
	{ok, CH} -> report(S#{ch => CH, cur => Name},
			   #{cmd => <<"use">>, ok => true, name => bin(Name)});
	error -> throw({fail, "use: no MG registered as " ++ Name})
    end;
step(["crash"], S) ->
    %% The MGC dies at once (no ServiceChange, no goodbye): the OS closes
    %% its sockets as it would after kill -9.
    emit(#{cmd => <<"crash">>, ok => true, step => maps:get(step, S)}),
    erlang:halt(0);
step(["wait", "notify", Event, Ms], S) ->
    cmd_wait_notify(Event, list_to_integer(Ms), S);
step(["sleep", Ms], S) ->
    timer:sleep(list_to_integer(Ms)),
    report(S, #{cmd => <<"sleep">>, ok => true});
step(["sync", Name, Ms], S = #{vars := Vars}) ->
    %% Hand over to the test script: print the variables, then wait
    %% until the script creates ${sync_dir}/NAME.
    Dir = maps:get("sync_dir", Vars, "/tmp"),
    emit(#{cmd => <<"sync wait">>, name => bin(Name), step => maps:get(step, S),
	   vars => maps:from_list([{bin(K), bin(V)} || {K, V} <- maps:to_list(Vars)])}),
    Path = filename:join(Dir, Name),
    Ok = wait_file(Path, list_to_integer(Ms)),
    %% VAR=VALUE lines in the file are variables from the script
    report(S#{vars => sync_vars(Ok, Path, Vars)},
	   #{cmd => <<"sync">>, ok => Ok, name => bin(Name)});
step(["set", Var, Value], S = #{vars := Vars}) ->
    report(S#{vars => Vars#{Var => Value}},
	   #{cmd => <<"set">>, ok => true, var => bin(Var)});
step(Words, _S) ->
    throw({fail, "unknown command: " ++ lists:join(" ", Words)}).

%% Each step prints one line; "last" is what expect looks at.
report(S = #{step := N}, Res) ->
    Line = Res#{step => N},
    emit(Line),
    case {maps:get(ok, Line), maps:get(cmd, Line)} of
	{false, _} -> throw({exit, 1});
	{true, <<"expect">>} -> S;
	{true, _} -> S#{last => Line}
    end.

%% Options after a file: "as NAME" saves the reply's IDs under NAME,
%% "timeout MS" overrides the reply timeout.
step_opts(["as", Name | R], Acc) -> step_opts(R, Acc#{as => Name});
step_opts(["timeout", Ms | R], Acc) ->
    step_opts(R, Acc#{timeout => list_to_integer(Ms)});
step_opts(["split", N | R], Acc) ->
    step_opts(R, Acc#{split => list_to_integer(N)});
step_opts(["context", C | R], Acc) -> step_opts(R, Acc#{context => C});
step_opts([], Acc) -> Acc;
step_opts([X | _], _) -> throw({fail, "bad step option " ++ X}).

%% ---- send: a transaction through megaco's own transaction layer ---------

cmd_send(File, OptWords, S) ->
    Opts = step_opts(OptWords, #{}),
    ARs = actions(File, subst(read(File, S), S), S),
    send_actions(ARs, #{cmd => <<"send">>, file => bin(File)}, Opts, S).

%% One transaction through megaco:call/3 on the current connection; the
%% report starts from Base.
send_actions(_ARs, _Base, _Opts, S) when not is_map_key(ch, S) ->
    throw({fail, "no MG registered yet (wait register first)"});
send_actions(ARs, Base0, Opts, S = #{ch := CH}) ->
    Timeout = maps:get(timeout, Opts, maps:get(reply_timeout, S)),
    S0 = drain(S),
    T0 = erlang:monotonic_time(millisecond),
    %% megaco retransmits over UDP every 2 s until the reply arrives.
    Timer = #megaco_incr_timer{wait_for = 2000, factor = 1, incr = 0,
			       max_retries = max(1, Timeout div 2000)},
    Result = megaco:call(CH, ARs, [{request_timer, Timer}]),
    Ms = erlang:monotonic_time(millisecond) - T0,
    {Tid, ReqBin} = last_request(),
    ReplyBin = wait_decoded_reply(Tid, 2000),
    case {Result, maps:get(after_505, Base0, false)} of
	{{_, {error, #'ErrorDescriptor'{errorCode = 505}}}, false} ->
	    reregistered_send(ARs, Base0, Opts, S0);
	_ ->
	    Base = Base0#{tid => Tid, ms => Ms, request => ReqBin,
			  reply => ReplyBin},
	    {Line, Vars} = outcome(Result, Base, maps:get(as, Opts, undefined)),
	    S1 = S0#{vars => maps:merge(maps:get(vars, S0), Vars),
		     last_request => ReqBin, last_tid => Tid},
	    report(S1, Line)
    end.

%% 505: the MG does not consider itself registered, although this MGC
%% answered its ServiceChange: on a loaded machine the MG gave up on that
%% ServiceChange just before the reply came and sent another. An MGC then
%% waits for that registration and asks again, once (the line says
%% "after_505": true).
reregistered_send(ARs, Base0, Opts, S) ->
    Name = maps:get(cur, S, maps:get(mg_name, S)),
    case await_register(S#{register_timeout => 10000}, Name) of
	{Line = #{ok := true}, S1} ->
	    emit(Line#{cmd => <<"reregister">>}),
	    send_actions(ARs, Base0#{after_505 => true}, Opts,
			 S1#{register_timeout => maps:get(register_timeout, S)});
	{Line, _} ->
	    report(S, Base0#{ok => false, result => <<"error">>,
			     error_code => 505,
			     error_text => maps:get(error, Line, null)})
    end.

outcome({_PV, {ok, ActionReplies}}, Base, As) when is_list(ActionReplies) ->
    {Code, Text} = action_error(ActionReplies),
    Ids = reply_ids(ActionReplies),
    Line = maps:merge(Base#{ok => true, result => <<"reply">>,
			    error_code => Code, error_text => Text,
			    audit => audit_summary(ActionReplies)},
		      sc_reply_fields(ActionReplies)),
    {maps:merge(Line, maps:map(fun(_, V) -> bin(V) end, Ids)),
     save_vars(Ids, As)};
outcome({_PV, {error, #'ErrorDescriptor'{errorCode = C, errorText = T}}},
	Base, _As) ->
    {Base#{ok => true, result => <<"error">>, error_code => C,
	   error_text => text(T)}, #{}};
outcome({_PV, {error, timeout}}, Base, _As) ->
    {Base#{ok => false, result => <<"timeout">>}, #{}};
outcome(Other, Base, _As) ->
    {Base#{ok => false, result => <<"error">>,
	   error_text => fmt("~p", [Other])}, #{}}.

%% The first error of a reply: an action's error descriptor, or a
%% command's (a ServiceChange or an audit answers with one in place of
%% its result).
action_error(ARs) ->
    case [ED || #'ActionReply'{errorDescriptor = ED} <- ARs,
		ED =/= asn1_NOVALUE] ++ command_errors(ARs) of
	[#'ErrorDescriptor'{errorCode = C, errorText = T} | _] -> {C, text(T)};
	[] -> {null, null}
    end.

command_errors(ARs) ->
    lists:append(
      [case CR of
	   {serviceChangeReply,
	    #'ServiceChangeReply'{serviceChangeResult = {errorDescriptor, ED}}} ->
	       [ED];
	   {_, {error, ED = #'ErrorDescriptor'{}}} -> [ED];
	   _ -> []
       end || #'ActionReply'{commandReply = CRs} <- ARs,
	      is_list(CRs), CR <- CRs]).

text(asn1_NOVALUE) -> null;
text(T) -> bin(T).

%% The context and termination the MG chose, and its Local c= and m=.
reply_ids([#'ActionReply'{contextId = Ctx, commandReply = CRs} | _])
  when is_list(CRs) ->
    Terms = [term_id(T) || {_, #'AmmsReply'{terminationID = Ts}} <- CRs,
			   T <- Ts],
    Props = local_props(CRs),
    Ids = #{context => integer_to_list(Ctx)},
    Ids1 = case Terms of
	       [T1 | _] -> Ids#{term => T1};
	       [] -> Ids
	   end,
    maps:merge(Ids1, sdp_ids(Props));
reply_ids(_) -> #{}.

term_id(#megaco_term_id{id = Parts}) -> lists:flatten(lists:join("/", Parts));
term_id(Other) -> fmt("~p", [Other]).

local_props(Term) ->
    case find(fun(#'StreamParms'{localDescriptor =
				     #'LocalRemoteDescriptor'{}}) -> true;
		 (_) -> false
	      end, Term) of
	{ok, #'StreamParms'{localDescriptor =
				#'LocalRemoteDescriptor'{propGrps = [PG | _]}}} ->
	    PG;
	_ -> []
    end.

sdp_ids(Props) ->
    lists:foldl(
      fun(#'PropertyParm'{name = "c", value = [V | _]}, Acc) ->
	      case string:lexemes(V, " ") of
		  [_, _, Addr | _] -> Acc#{addr => Addr};
		  _ -> Acc
	      end;
	 (#'PropertyParm'{name = "m", value = [V | _]}, Acc) ->
	      case {string:lexemes(V, " "), maps:is_key(port, Acc)} of
		  {[_, Port | _], false} -> Acc#{port => Port};
		  _ -> Acc
	      end;
	 (_, Acc) -> Acc
      end, #{}, Props).

%% Depth-first search of a term for the first subterm Pred accepts.
find(Pred, T) ->
    case Pred(T) of
	true -> {ok, T};
	false when is_tuple(T) -> find_list(Pred, tuple_to_list(T));
	false when is_list(T) -> find_list(Pred, T);
	false -> none
    end.

find_list(_, []) -> none;
find_list(Pred, [H | R]) ->
    case find(Pred, H) of
	{ok, _} = Found -> Found;
	none -> find_list(Pred, R)
    end;
find_list(_, _Improper) -> none.

save_vars(Ids, As) ->
    Plain = maps:fold(fun(K, V, Acc) -> Acc#{atom_to_list(K) => V} end,
		      #{}, Ids),
    case As of
	undefined -> Plain;
	Name ->
	    maps:fold(fun(K, V, Acc) -> Acc#{Name ++ "." ++ K => V} end,
		      Plain, Plain)
    end.

%% A text file holds the actions of one transaction, as in
%% "Transaction = N { <here> }"; a .terms file holds ActionRequest
%% records as Erlang terms (file:consult/1).
actions(File, Text, S) ->
    case filename:extension(File) of
	".terms" ->
	    {ok, Tokens, _} = erl_scan:string(Text),
	    split_terms(Tokens, []);
	_ ->
	    decode_actions(Text, S)
    end.

split_terms([], Acc) -> lists:reverse(Acc);
split_terms(Tokens, Acc) ->
    {Form, Rest} = lists:splitwith(fun({dot, _}) -> false;
				      (_) -> true
				   end, Tokens),
    [Dot | Rest1] = Rest,
    {ok, Term} = erl_parse:parse_term(Form ++ [Dot]),
    split_terms(Rest1, [Term | Acc]).

decode_actions(Text, #{pv := PV}) ->
    Msg = iolist_to_binary(["MEGACO/", integer_to_list(PV),
			    " [127.0.0.1]:2944\nTransaction = 1 {\n", Text,
			    "\n}\n"]),
    case megaco_pretty_text_encoder:decode_message([], dynamic, Msg) of
	{ok, #'MegacoMessage'{mess = #'Message'{messageBody = Body}}} ->
	    {transactions, [{transactionRequest, TR}]} = Body,
	    element(3, TR);
	Error ->
	    throw({fail, fmt("cannot decode actions: ~p", [Error])})
    end.

read(File, #{script := Script}) ->
    Path = case {filename:pathtype(File), Script} of
	       {relative, "-"} -> File;
	       {relative, _} ->
		   Here = filename:join(filename:dirname(Script), File),
		   case filelib:is_regular(Here) of
		       true -> Here;
		       false -> File
		   end;
	       _ -> File
	   end,
    case file:read_file(Path) of
	{ok, Bin} -> binary_to_list(Bin);
	{error, E} -> throw({fail, fmt("~s: ~p", [Path, E])})
    end.

%% ${NAME} is replaced by a variable: set with "set", --set, or saved
%% from a reply (context, term, port, addr; NAME.context ... with "as").
subst(Text, #{vars := Vars}) ->
    Out = maps:fold(fun(K, V, Acc) ->
			    string:replace(Acc, "${" ++ K ++ "}", V, all)
		    end, Text, Vars),
    Flat = lists:flatten(Out),
    case string:find(Flat, "${") of
	nomatch -> Flat;
	Rest -> throw({fail, "unknown variable at " ++ string:slice(Rest, 0, 30)})
    end.

%% ---- the bytes megaco sent and received ---------------------------------

%% Codec notes that arrived before this step are set aside.
drain(S) ->
    receive
	{agw_codec, _} = Note -> drain(S#{seen => [Note]})
    after 0 -> S
    end.

last_request() ->
    last_request(undefined).

last_request(Found) ->
    receive
	{agw_codec, {encoded, Msg, {ok, Bin}}} ->
	    case [element(2, TR) || {transactionRequest, TR} <- trans(Msg)] of
		[Tid | _] -> last_request({Tid, Bin});
		[] -> last_request(Found)
	    end
    after 0 ->
	    case Found of
		undefined -> {null, <<>>};
		_ -> Found
	    end
    end.

trans(#'MegacoMessage'{mess = #'Message'{messageBody = {transactions, Ts}}}) ->
    Ts;
trans(_) -> [].

%% The bytes of the final reply to Tid (pendings are skipped).
wait_decoded_reply(Tid, Timeout) ->
    case wait_answer(Tid, Timeout) of
	{reply, Bin, _} -> Bin;
	_ -> null
    end.

%% The answer to each of Tids: its final reply (pendings are skipped), or
%% a message-level error or an undecodable message (given to the first
%% unanswered Tid: a peer that could not read our message may not know the
%% Tid). Tids without an answer before the timeout are left out.
wait_answers(Tids, Timeout) ->
    Deadline = erlang:monotonic_time(millisecond) + Timeout,
    wait_answers(Tids, Deadline, #{}).

wait_answers(Tids, Deadline, Got) ->
    case [T || T <- Tids, not maps:is_key(T, Got)] of
	[] -> Got;
	[First | _] = Open ->
	    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
	    receive
		{agw_codec, {decoded, Bin, {ok, Msg}}} ->
		    Body = Msg#'MegacoMessage'.mess#'Message'.messageBody,
		    Got1 = case Body of
			       {messageError, ED} ->
				   Got#{First => {message_error, Bin, ED}};
			       _ ->
				   maps:merge(Got, maps:from_list(
						     [{element(2, TR),
						       {reply, Bin, TR}}
						      || {transactionReply, TR}
							     <- trans(Msg),
							 lists:member(
							   element(2, TR),
							   Open)]))
			   end,
		    wait_answers(Tids, Deadline, Got1);
		{agw_codec, {decoded, Bin, Error}} ->
		    wait_answers(Tids, Deadline,
				 Got#{First => {undecodable, Bin, Error}});
		{agw_codec, _} ->
		    wait_answers(Tids, Deadline, Got)
	    after Left -> Got
	    end
    end.

wait_answer(Tid, Timeout) ->
    maps:get(Tid, wait_answers([Tid], Timeout), none).

%% ---- raw and resend: bytes past megaco's transaction layer --------------

send_raw(Bin, #{ch := CH}) ->
    SendMod = megaco:conn_info(CH, send_mod),
    SH = megaco:conn_info(CH, send_handle),
    ok = SendMod:send_message(SH, Bin).

cmd_raw(File, OptWords, S) ->
    Opts = step_opts(OptWords, #{}),
    Timeout = maps:get(timeout, Opts, 3000),
    Bin = list_to_binary(subst(read(File, S), S)),
    Tid = text_tid(Bin),
    S0 = drain(S),
    case maps:get(split, Opts, none) of
	none -> send_raw(Bin, S0);
	At -> send_split(Bin, At, S0)
    end,
    Line = answer_line(wait_answer(Tid, Timeout),
		       #{cmd => <<"raw">>, file => bin(File), tid => Tid}),
    report(S0, Line).

%% Two messages at once: in one TCP segment (two TPKT frames in one
%% write), or two datagrams back to back. One report line each.
cmd_raw2(File1, File2, OptWords, S) ->
    Opts = step_opts(OptWords, #{}),
    Timeout = maps:get(timeout, Opts, 3000),
    Bins = [list_to_binary(subst(read(F, S), S)) || F <- [File1, File2]],
    Tids = [text_tid(B) || B <- Bins],
    S0 = drain(S),
    case transport(S0) of
	{tcp, Sock} -> ok = gen_tcp:send(Sock, [tpkt(B) || B <- Bins]);
	udp -> [send_raw(B, S0) || B <- Bins]
    end,
    Got = wait_answers(lists:usort(Tids), Timeout),
    S1 = report(S0, answer_line(maps:get(hd(Tids), Got, none),
				#{cmd => <<"raw2">>, file => bin(File1),
				  tid => hd(Tids)})),
    report(S1#{step => maps:get(step, S1) + 1},
	   answer_line(maps:get(lists:last(Tids), Got, none),
		       #{cmd => <<"raw2">>, file => bin(File2),
			 tid => lists:last(Tids)})).

%% One TPKT-framed message written in two parts, 200 ms apart.
send_split(Bin, At, S) ->
    case transport(S) of
	{tcp, Sock} ->
	    Frame = tpkt(Bin),
	    At < byte_size(Frame) orelse throw({fail, "split beyond the end"}),
	    <<A:At/binary, B/binary>> = Frame,
	    ok = gen_tcp:send(Sock, A),
	    timer:sleep(200),
	    ok = gen_tcp:send(Sock, B);
	udp ->
	    throw({fail, "split needs --transport tcp"})
    end.

tpkt(Bin) -> <<3, 0, (byte_size(Bin) + 4):16, Bin/binary>>.

transport(#{ch := CH}) ->
    case megaco:conn_info(CH, send_mod) of
	megaco_tcp ->
	    {tcp, megaco_tcp:socket(megaco:conn_info(CH, send_handle))};
	megaco_udp ->
	    udp
    end.

%% The transaction ID a raw message claims, when it can be read.
text_tid(Bin) ->
    case re:run(Bin, "(?i)\\b(?:transaction|t)\\s*=\\s*([0-9]+)",
		[{capture, all_but_first, list}]) of
	{match, [N]} -> list_to_integer(N);
	nomatch -> null
    end.

answer_line({reply, Bin, TR}, Line) ->
    {Code, Text} = case element(4, TR) of
		       {transactionError, #'ErrorDescriptor'{errorCode = C,
							     errorText = T}} ->
			   {C, text(T)};
		       {actionReplies, ARs} -> action_error(ARs);
		       _ -> {null, null}
		   end,
    Line#{ok => true, result => <<"reply">>, error_code => Code,
	  error_text => Text, reply => Bin};
answer_line({message_error, Bin, #'ErrorDescriptor'{errorCode = C,
						    errorText = T}}, Line) ->
    Line#{ok => true, result => <<"error">>, error_code => C,
	  error_text => text(T), reply => Bin};
answer_line({undecodable, Bin, Error}, Line) ->
    Line#{ok => true, result => <<"undecodable">>, reply => Bin,
	  error_text => fmt("~p", [Error])};
answer_line(none, Line) ->
    Line#{ok => true, result => <<"none">>}.

%% The last request's exact bytes again (same transaction ID), as a
%% retransmitting MGC would; the answer is compared with the first reply.
cmd_resend(OptWords, S = #{last := Last}) ->
    Opts = step_opts(OptWords, #{}),
    Timeout = maps:get(timeout, Opts, 3000),
    Tid = maps:get(last_tid, S, null),
    Tid =:= null andalso throw({fail, "resend: nothing sent yet"}),
    S0 = drain(S),
    send_raw(maps:get(last_request, S), S0),
    Line = answer_line(wait_answer(Tid, Timeout),
		       #{cmd => <<"resend">>, tid => Tid}),
    Same = maps:get(reply, Line, none) =:= maps:get(reply, Last, null),
    report(S0, Line#{identical => Same}).

%% ---- ServiceChange and Audit from the MGC ---------------------------------

%% "servicechange TID METHOD [reason R] [delay S] [mgcid MID] [address A]
%% [profile NAME/V] [version V] [context C] [timeout MS]": an MGC-initiated
%% ServiceChange (H.248.1 7.2.8) to ROOT or a termination, sent as text
%% through megaco's transaction layer; the reply's ServiceChangeResParm
%% fields are reported as sc_version, profile, mgcid, address.
cmd_servicechange(Tid, Method, OptWords, S) ->
    {Parms, Rest} = sc_opts(OptWords, #{}, []),
    Opts = step_opts(Rest, #{}),
    M = sc_method(Method),
    Reason = maps:get(reason, Parms, default_reason(M)),
    Services = [["Method = ", sc_token(M)],
		["Reason = \"", Reason, "\""]] ++
	[["Delay = ", V] || {ok, V} <- [maps:find(delay, Parms)]] ++
	[["MgcIdToTry = ", V] || {ok, V} <- [maps:find(mgcid, Parms)]] ++
	[["ServiceChangeAddress = ", V] || {ok, V} <- [maps:find(address, Parms)]] ++
	[["Profile = ", V] || {ok, V} <- [maps:find(profile, Parms)]] ++
	[["Version = ", V] || {ok, V} <- [maps:find(version, Parms)]],
    Text = ["Context = ", maps:get(context, Opts, "-"),
	    " { ServiceChange = ", Tid, " { Services { ",
	    lists:join(", ", Services), " } } }"],
    ARs = decode_actions(lists:flatten(Text), S),
    send_actions(ARs, #{cmd => <<"servicechange">>, target => bin(Tid),
			method => atom_to_binary(M, utf8)}, Opts, S).

sc_opts([K, V | R], P, Rest) when K =:= "reason"; K =:= "delay";
				  K =:= "mgcid"; K =:= "address";
				  K =:= "profile"; K =:= "version" ->
    sc_opts(R, P#{list_to_atom(K) => V}, Rest);
sc_opts([X | R], P, Rest) -> sc_opts(R, P, Rest ++ [X]);
sc_opts([], P, Rest) -> {P, Rest}.

sc_method(M) ->
    case string:lowercase(M) of
	"forced" -> forced;
	"graceful" -> graceful;
	"restart" -> restart;
	"disconnected" -> disconnected;
	"handoff" -> handoff;
	"failover" -> failover;
	_ -> throw({fail, "unknown ServiceChange method " ++ M})
    end.

sc_token(forced) -> "Forced";
sc_token(graceful) -> "Graceful";
sc_token(restart) -> "Restart";
sc_token(disconnected) -> "Disconnected";
sc_token(handoff) -> "HandOff";
sc_token(failover) -> "Failover".

%% H.248.1 7.2.8.1.2 / E.? reason codes
default_reason(forced) -> "905 Termination taken out of service";
default_reason(graceful) -> "905 Termination taken out of service";
default_reason(restart) -> "900 Service Restored";
default_reason(disconnected) -> "900 Service Restored";
default_reason(handoff) -> "903 MGC Directed Change";
default_reason(failover) -> "904 Termination malfunctioning".

sc_reply_fields(ARs) ->
    case [R || #'ActionReply'{commandReply = CRs} <- ARs, is_list(CRs),
	       {serviceChangeReply,
		#'ServiceChangeReply'{serviceChangeResult =
					  {serviceChangeResParms, R}}} <- CRs] of
	[#'ServiceChangeResParm'{serviceChangeMgcId = Mgc,
				 serviceChangeAddress = Addr,
				 serviceChangeVersion = V,
				 serviceChangeProfile = P} | _] ->
	    #{mgcid => opt_mid(Mgc), address => opt_mid(Addr),
	      sc_version => opt(V), profile => profile_text(P)};
	[] -> #{}
    end.

opt(asn1_NOVALUE) -> null;
opt(V) when is_integer(V) -> V;
opt(V) -> bin(V).

opt_mid(asn1_NOVALUE) -> null;
opt_mid({portNumber, P}) -> P;
opt_mid(Mid) -> mid_text(Mid).

profile_text(#'ServiceChangeProfile'{profileName = N, version = V}) ->
    bin([N, "/", integer_to_list(V)]);
profile_text(_) -> null.

%% "audit CTX TID [DESC...]" / "auditcap CTX TID [DESC...]": AuditValue or
%% AuditCapability (H.248.1 7.2.5, 7.2.6) of TID (ROOT, a termination, a
%% wildcard such as * or ip/*) in context CTX (-, *, or an ID), asking for
%% the descriptors DESC (media events signals statistics packages
%% observedevents eventbuffer digitmap modem mux; none: the empty audit,
%% which returns only the termination IDs). The report's "audit" lists,
%% per termination answered, its context, descriptors and items.
cmd_audit(Cmd, Ctx, Tid, Words, S) ->
    {Descs, Rest} = lists:partition(fun(W) -> audit_token(W) =/= none end,
				    Words),
    Opts = step_opts(Rest, #{}),
    Text = ["Context = ", Ctx, " { ", Cmd, " = ", Tid, " { Audit { ",
	    lists:join(", ", [audit_token(D) || D <- Descs]), " } } }"],
    ARs = decode_actions(lists:flatten(Text), S),
    send_actions(ARs, #{cmd => bin(string:lowercase(Cmd)),
			target_context => bin(Ctx), target => bin(Tid),
			descriptors => [bin(D) || D <- Descs]}, Opts, S).

audit_token(D) ->
    case string:lowercase(D) of
	"media" -> "Media";
	"events" -> "Events";
	"signals" -> "Signals";
	"statistics" -> "Statistics";
	"packages" -> "Packages";
	"observedevents" -> "ObservedEvents";
	"eventbuffer" -> "EventBuffer";
	"digitmap" -> "DigitMap";
	"modem" -> "Modem";
	"mux" -> "Mux";
	_ -> none
    end.

%% One entry per termination a reply speaks of: its context, the
%% descriptors present (media/localcontrol, media/local, media/remote,
%% media/termstate too), package items, statistic and LocalControl
%% property names, and an error code where the MG answered with one.
audit_summary(ARs) ->
    lists:append([audit_action(AR) || AR <- ARs]).

audit_action(#'ActionReply'{contextId = C, commandReply = CRs,
			    errorDescriptor = ED}) ->
    Ctx = ctx_text(C),
    Cmds = lists:append([audit_cmd(Ctx, CR) || is_list(CRs), CR <- CRs]),
    case ED of
	#'ErrorDescriptor'{errorCode = Code} ->
	    Cmds ++ [#{context => Ctx, term => null, error_code => Code,
		       descriptors => [], packages => [], statistics => [],
		       properties => []}];
	_ -> Cmds
    end.

ctx_text(?megaco_null_context_id) -> <<"-">>;
ctx_text(?megaco_all_context_id) -> <<"*">>;
ctx_text(?megaco_choose_context_id) -> <<"$">>;
ctx_text(C) -> integer_to_binary(C).

audit_cmd(Ctx, {Kind, Reply}) when Kind =:= auditValueReply;
				   Kind =:= auditCapReply ->
    case Reply of
	{contextAuditResult, Tids} ->
	    [entry(Ctx, T, [{context_audit, true}]) || T <- Tids];
	{error, #'ErrorDescriptor'{errorCode = Code}} ->
	    [(entry(Ctx, null, []))#{error_code => Code}];
	{auditResult, #'AuditResult'{terminationID = T,
				     terminationAuditResult = Ps}} ->
	    [entry(Ctx, T, Ps)];
	{auditResultTermList, #'TermListAuditResult'{terminationIDList = Ts,
						      terminationAuditResult = Ps}} ->
	    [entry(Ctx, T, Ps) || T <- Ts];
	_ -> []
    end;
audit_cmd(Ctx, {_, #'AmmsReply'{terminationID = Ts, terminationAudit = Ps}}) ->
    [entry(Ctx, T, case Ps of asn1_NOVALUE -> []; _ -> Ps end) || T <- Ts];
audit_cmd(_Ctx, _) -> [].

entry(Ctx, T, Ps) ->
    E0 = #{context => Ctx, term => case T of null -> null; _ -> bin(term_id(T)) end,
	   error_code => null, descriptors => [], packages => [],
	   statistics => [], properties => []},
    lists:foldl(fun audit_param/2, E0, Ps).

add(K, V, E) -> E#{K => maps:get(K, E) ++ [bin(V)]}.

audit_param({context_audit, true}, E) -> add(descriptors, "context", E);
audit_param({mediaDescriptor, #'MediaDescriptor'{termStateDescr = TS,
						 streams = Streams}}, E) ->
    E1 = add(descriptors, "media", E),
    E2 = case TS of
	     #'TerminationStateDescriptor'{} -> add(descriptors, "media/termstate", E1);
	     _ -> E1
	 end,
    lists:foldl(fun stream_parms/2, E2, stream_parms_of(Streams));
audit_param({packagesDescriptor, Items}, E) ->
    lists:foldl(fun(#'PackagesItem'{packageName = N, packageVersion = V}, A) ->
			add(packages, [N, "-", integer_to_list(V)], A)
		end, add(descriptors, "packages", E), Items);
audit_param({statisticsDescriptor, Stats}, E) ->
    lists:foldl(fun(#'StatisticsParameter'{statName = N}, A) ->
			add(statistics, N, A)
		end, add(descriptors, "statistics", E), Stats);
audit_param({errorDescriptor, #'ErrorDescriptor'{errorCode = C}}, E) ->
    E#{error_code => C};
audit_param({emptyDescriptors, _}, E) -> add(descriptors, "empty", E);
audit_param({Tag, _}, E) ->
    add(descriptors, desc_name(Tag), E);
audit_param(_, E) -> E.

desc_name(eventsDescriptor) -> "events";
desc_name(signalsDescriptor) -> "signals";
desc_name(observedEventsDescriptor) -> "observedevents";
desc_name(eventBufferDescriptor) -> "eventbuffer";
desc_name(digitMapDescriptor) -> "digitmap";
desc_name(modemDescriptor) -> "modem";
desc_name(muxDescriptor) -> "mux";
desc_name(Tag) -> atom_to_list(Tag).

stream_parms_of({oneStream, SP}) -> [SP];
stream_parms_of({multiStream, SDs}) ->
    [SP || #'StreamDescriptor'{streamParms = SP} <- SDs];
stream_parms_of(_) -> [].

stream_parms(#'StreamParms'{localControlDescriptor = LC,
			    localDescriptor = L, remoteDescriptor = R}, E) ->
    E1 = case LC of
	     #'LocalControlDescriptor'{streamMode = Mode, propertyParms = PPs} ->
		 E0 = add(descriptors, "media/localcontrol", E),
		 E0a = case Mode of
			   asn1_NOVALUE -> E0;
			   _ -> add(properties, "mode", E0)
		       end,
		 lists:foldl(fun(#'PropertyParm'{name = N}, A) ->
				     add(properties, N, A)
			     end, E0a, PPs);
	     _ -> E
	 end,
    E2 = case L of
	     #'LocalRemoteDescriptor'{} -> add(descriptors, "media/local", E1);
	     _ -> E1
	 end,
    case R of
	#'LocalRemoteDescriptor'{} -> add(descriptors, "media/remote", E2);
	_ -> E2
    end;
stream_parms(_, E) -> E.

%% "probe [MS]": is the current MG alive? An AuditValue of ROOT with one
%% try of MS (default 3000); any answer (also an error) is "alive". Never
%% fails by itself: "expect alive" / "expect dead" judge it.
cmd_probe(OptWords, S = #{ch := CH}) ->
    Ms = case OptWords of
	     [] -> 3000;
	     [N] -> list_to_integer(N);
	     _ -> throw({fail, "probe [MS]"})
	 end,
    ARs = decode_actions("Context = - { AuditValue = ROOT { Audit { } } }", S),
    S0 = drain(S),
    Timer = #megaco_incr_timer{wait_for = Ms, factor = 1, incr = 0,
			       max_retries = 0},
    Alive = case catch megaco:call(CH, ARs, [{request_timer, Timer}]) of
		{_PV, {ok, _}} -> true;
		{_PV, {error, #'ErrorDescriptor'{}}} -> true;
		_ -> false
	    end,
    report(S0, #{cmd => <<"probe">>, ok => true, alive => Alive,
		 name => bin(maps:get(cur, S, ""))}).

%% "answer servicechange [accept] [mgcid MID] [address A] [profile NAME/V]
%% [version V] [error CODE [TEXT...]]" / "answer servicechange default":
%% how this MGC answers the MG's later registering ServiceChanges.
cmd_answer(["default"], S) ->
    persistent_term:erase({agw_mgc, sc_answer}),
    report(S, #{cmd => <<"answer">>, ok => true, answer => <<"default">>});
cmd_answer(Words, S) ->
    A = answer_opts(Words, #{}),
    persistent_term:put({agw_mgc, sc_answer}, A),
    report(S, #{cmd => <<"answer">>, ok => true,
		answer => fmt("~p", [maps:to_list(A)])}).

answer_opts([], A) -> A;
answer_opts(["accept" | R], A) -> answer_opts(R, A);
answer_opts(["mgcid", M | R], A) -> answer_opts(R, A#{mgcid => parse_mid(M)});
answer_opts(["address", M | R], A) ->
    answer_opts(R, A#{address => parse_mid(M)});
answer_opts(["profile", P | R], A) ->
    answer_opts(R, A#{profile => parse_profile(P)});
answer_opts(["version", V | R], A) ->
    answer_opts(R, A#{version => list_to_integer(V)});
answer_opts(["error", C | Text], A) ->
    A#{error => {list_to_integer(C), lists:flatten(lists:join(" ", Text))}};
answer_opts([X | _], _) -> throw({fail, "answer servicechange: bad word " ++ X}).

parse_profile(P) ->
    case string:split(P, "/") of
	[N, V] -> #'ServiceChangeProfile'{profileName = N,
					  version = list_to_integer(V)};
	_ -> throw({fail, "profile must be NAME/VERSION: " ++ P})
    end.

%% "wait servicechange METHOD|* MS": a ServiceChange from the MG that did
%% not register (Graceful, Forced), or any when METHOD is *.
cmd_wait_sc(Method, Ms, S) ->
    Deadline = erlang:monotonic_time(millisecond) + Ms,
    Match = fun(#{method := M}) ->
		    Method =:= "*" orelse
			M =:= atom_to_binary(sc_method(Method), utf8)
	    end,
    case wait_sc(Match, Deadline, maps:get(scs, S)) of
	{ok, Info, Rest} ->
	    report(S#{scs => Rest}, Info#{cmd => <<"wait servicechange">>,
					  ok => true});
	timeout ->
	    report(S, #{cmd => <<"wait servicechange">>, ok => false,
			method => bin(Method), result => <<"timeout">>})
    end.

wait_sc(Match, Deadline, Queued) ->
    case lists:splitwith(fun(I) -> not Match(I) end, Queued) of
	{Before, [I | After]} -> {ok, I, Before ++ After};
	{_, []} ->
	    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
	    receive
		{agw_mgc, servicechange, _CH, _PV, Info} ->
		    wait_sc(Match, Deadline, Queued ++ [Info])
	    after Left -> timeout
	    end
    end.

%% "wait disconnect MS": the current MG's TCP connection went down.
cmd_wait_disconnect(Ms, S = #{ch := CH}) ->
    receive
	{agw_mgc, disconnect, CH, Reason} ->
	    report(S, #{cmd => <<"wait disconnect">>, ok => true,
			reason => fmt("~p", [Reason])})
    after Ms ->
	    report(S, #{cmd => <<"wait disconnect">>, ok => false,
			result => <<"timeout">>})
    end.

%% ---- expectations and notifications -------------------------------------

cmd_expect(What, S = #{last := Last}) ->
    {Ok, Desc} = expectation(What, Last),
    report(S, #{cmd => <<"expect">>, ok => Ok, what => bin(Desc),
		last_step => maps:get(step, Last, null)}).

expectation(["reply"], L) ->
    {maps:get(result, L, null) =:= <<"reply">> andalso
	 maps:get(error_code, L, null) =:= null, "reply"};
expectation(["error", Code], L) ->
    {maps:get(error_code, L, null) =:= list_to_integer(Code),
     "error " ++ Code};
expectation(["none"], L) ->
    {maps:get(result, L, null) =:= <<"none">>, "none"};
expectation(["identical"], L) ->
    {maps:get(identical, L, false), "identical"};
expectation(["contains" | Words], L) ->
    Want = lists:join(" ", Words),
    Reply = case maps:get(reply, L, null) of
		null -> "";
		B -> binary_to_list(B)
	    end,
    {string:find(Reply, Want) =/= nomatch, "contains " ++ Want};
expectation(["absent" | Words], L) ->
    Want = lists:join(" ", Words),
    Reply = case maps:get(reply, L, null) of
		null -> "";
		B -> binary_to_list(B)
	    end,
    {string:find(Reply, Want) =:= nomatch, "absent " ++ Want};
expectation(["field", Key | Words], L) ->
    Want = lists:flatten(lists:join(" ", Words)),
    Got = field_text(maps:get(list_to_binary(Key), L,
			      maps:get(list_to_atom(Key), L, null))),
    {Got =:= Want, "field " ++ Key ++ " = " ++ Want ++ " (got " ++ Got ++ ")"};
expectation(["alive"], L) -> {maps:get(alive, L, false) =:= true, "alive"};
expectation(["dead"], L) -> {maps:get(alive, L, true) =:= false, "dead"};
expectation(["terms", N], L) ->
    Terms = lists:usort([T || #{term := T} <- maps:get(audit, L, []),
			      T =/= null]),
    {length(Terms) =:= list_to_integer(N),
     fmt("terms ~s (got ~p)", [N, length(Terms)])};
expectation(["audit", Term, What], L) ->
    {audit_has(Term, What, L), "audit " ++ Term ++ " " ++ What};
expectation(["noaudit", Term, What], L) ->
    {not audit_has(Term, What, L), "noaudit " ++ Term ++ " " ++ What};
expectation(What, _) ->
    throw({fail, "unknown expectation: " ++ lists:join(" ", What)}).

field_text(null) -> "null";
field_text(true) -> "true";
field_text(false) -> "false";
field_text(I) when is_integer(I) -> integer_to_list(I);
field_text(B) when is_binary(B) -> binary_to_list(B);
field_text(A) when is_atom(A) -> atom_to_list(A);
field_text(L) when is_list(L) -> lists:flatten(lists:join(",", [field_text(X) || X <- L])).

%% Does the audit entry of Term (any entry for "*") have What: a
%% descriptor (media, media/local, statistics, ...), "package:NAME-V",
%% "statistic:NAME", "property:NAME", "context:C" or "error:CODE"?
audit_has(Term, What, L) ->
    Entries = [E || E = #{term := T} <- maps:get(audit, L, []),
		    Term =:= "*" orelse
			string:lowercase(field_text(T)) =:= string:lowercase(Term)],
    lists:any(fun(E) -> entry_has(What, E) end, Entries).

entry_has("package:" ++ P, E) -> lists:member(bin(P), maps:get(packages, E));
entry_has("statistic:" ++ N, E) -> lists:member(bin(N), maps:get(statistics, E));
entry_has("property:" ++ N, E) ->
    lists:member(string:lowercase(N),
		 [string:lowercase(field_text(X)) || X <- maps:get(properties, E)]);
entry_has("context:" ++ C, E) -> maps:get(context, E) =:= bin(C);
entry_has("error:" ++ C, E) ->
    maps:get(error_code, E) =:= list_to_integer(C);
entry_has(D, E) -> lists:member(bin(D), maps:get(descriptors, E)).

cmd_wait_notify(Event, Ms, S) ->
    Deadline = erlang:monotonic_time(millisecond) + Ms,
    case wait_notify(Event, Deadline, maps:get(notifies, S)) of
	{ok, N, Rest} ->
	    report(S#{notifies => Rest}, N#{cmd => <<"wait notify">>,
					    ok => true});
	timeout ->
	    report(S, #{cmd => <<"wait notify">>, ok => false,
			event => bin(Event), result => <<"timeout">>})
    end.

wait_notify(Event, Deadline, Queued) ->
    case lists:splitwith(fun(N) -> not notify_matches(Event, N) end,
			 Queued) of
	{Before, [N | After]} -> {ok, N, Before ++ After};
	{_, []} ->
	    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
	    receive
		{agw_mgc, notify, N} ->
		    wait_notify(Event, Deadline, Queued ++ [N])
	    after Left -> timeout
	    end
    end.

notify_matches("*", _) -> true;
notify_matches(Event, #{events := Events}) ->
    lists:member(list_to_binary(Event), Events).

%% ---- megaco user callbacks (run in megaco's processes) -------------------

tell(Msg) ->
    case whereis(?CTL) of
	undefined -> ok;
	Pid -> Pid ! Msg
    end.

handle_connect(_CH, _PV) -> ok.

handle_disconnect(CH, _PV, Reason) ->
    tell({agw_mgc, disconnect, CH, Reason}),
    megaco:cancel(CH, Reason),
    ok.

handle_syntax_error(_RH, _PV, _ED) -> reply.

handle_message_error(_CH, _PV, _ED) -> ok.

%% A ServiceChange from the MG (H.248.1 7.2.8): reported to the scenario
%% with every parameter, and answered as "answer servicechange" chose:
%% accepted (optionally with a ServiceChangeProfile, Version or Address),
%% redirected (ServiceChangeMgcId: the MG must go to that MGC) or refused
%% with an error. Graceful/Forced (the MG leaving) are always accepted.
handle_trans_request(CH, PV, [#'ActionRequest'{
				 contextId = ?megaco_null_context_id,
				 commandRequests =
				     [#'CommandRequest'{
					 command = {serviceChangeReq, SCR}}]}]) ->
    #'ServiceChangeRequest'{terminationID = Tids,
			    serviceChangeParms = Parms} = SCR,
    Method = Parms#'ServiceChangeParm'.serviceChangeMethod,
    Reg = registration(Method),
    Answer = case Reg of
		 true -> persistent_term:get({agw_mgc, sc_answer}, #{});
		 false -> #{}
	     end,
    Result = sc_result(Answer, PV, Reg),
    Kind = case {Result, Answer} of
	       {{errorDescriptor, _}, _} -> <<"error">>;
	       {_, #{mgcid := _}} -> <<"redirect">>;
	       _ -> <<"accept">>
	   end,
    Remote = CH#megaco_conn_handle.remote_mid,
    case {Reg, Kind} of
	{true, <<"accept">>} ->
	    persistent_term:put({agw_mgc, registered, Remote}, true);
	{false, _} ->
	    persistent_term:erase({agw_mgc, registered, Remote});
	_ -> ok
    end,
    tell({agw_mgc, servicechange, CH, PV,
	  (sc_info(Parms))#{term => bin(lists:join(",", [term_id(T) || T <- Tids])),
			    mg_mid => mid_text(Remote), peer => peer(CH),
			    answer => Kind}}),
    Reply = #'ServiceChangeReply'{terminationID = Tids,
				  serviceChangeResult = Result},
    {discard_ack, [#'ActionReply'{contextId = ?megaco_null_context_id,
				  commandReply =
				      [{serviceChangeReply, Reply}]}]};
handle_trans_request(CH, _PV, ARs) ->
    Remote = CH#megaco_conn_handle.remote_mid,
    case persistent_term:get({agw_mgc, registered, Remote}, false) of
	true ->
	    {discard_ack, [action_reply(AR) || AR <- ARs]};
	false ->
	    %% An MGC that (re)started does not know this MG yet: the MG
	    %% sees it and registers again.
	    {discard_ack, #'ErrorDescriptor'{
			     errorCode = ?megaco_unauthorized,
			     errorText = "MG not registered with this MGC"}}
    end.

sc_result(#{error := {Code, Text}}, _PV, true) ->
    {errorDescriptor, #'ErrorDescriptor'{errorCode = Code,
					 errorText = case Text of
							 "" -> asn1_NOVALUE;
							 _ -> Text
						     end}};
sc_result(A, PV, Reg) ->
    %% No serviceChangeMgcId unless asked: it tells the MG to go elsewhere.
    {serviceChangeResParms,
     #'ServiceChangeResParm'{
	serviceChangeVersion = case Reg of
				   true -> maps:get(version, A, PV);
				   false -> asn1_NOVALUE
			       end,
	serviceChangeMgcId = maps:get(mgcid, A, asn1_NOVALUE),
	serviceChangeAddress = maps:get(address, A, asn1_NOVALUE),
	serviceChangeProfile = maps:get(profile, A, asn1_NOVALUE)}}.

%% Every parameter of the MG's ServiceChange, for the report and "expect
%% field": method, reason (and reason_code), delay, profile, sc_version,
%% address, mgcid (null when absent).
sc_info(#'ServiceChangeParm'{serviceChangeMethod = M,
			     serviceChangeReason = R,
			     serviceChangeDelay = D,
			     serviceChangeProfile = P,
			     serviceChangeVersion = V,
			     serviceChangeAddress = A,
			     serviceChangeMgcId = Mgc}) ->
    Reason = case R of
		 [Text | _] -> Text;
		 _ -> ""
	     end,
    Code = case string:to_integer(Reason) of
	       {N, _} when is_integer(N) -> N;
	       _ -> null
	   end,
    #{method => bin(string:lowercase(atom_to_list(M))), reason => bin(Reason),
      reason_code => Code, delay => opt(D), profile => profile_text(P),
      sc_version => opt(V), address => opt_mid(A), mgcid => opt_mid(Mgc)}.

%% The MG's Notify requests are answered and queued for "wait notify".
action_reply(#'ActionRequest'{contextId = Ctx, commandRequests = CRs}) ->
    Replies = [command_reply(Ctx, C) || #'CommandRequest'{command = C} <- CRs],
    case [R || R = {error, _} <- Replies] of
	[] -> #'ActionReply'{contextId = Ctx, commandReply = Replies};
	[{error, ED} | _] -> #'ActionReply'{contextId = Ctx,
					    errorDescriptor = ED}
    end.

command_reply(Ctx, {notifyReq, #'NotifyRequest'{
				  terminationID = Tids,
				  observedEventsDescriptor = OED}}) ->
    Events = [bin(E#'ObservedEvent'.eventName)
	      || E <- OED#'ObservedEventsDescriptor'.observedEventLst],
    tell({agw_mgc, notify, #{context => integer_to_binary(Ctx),
			     term => bin(lists:join(",", [term_id(T) || T <- Tids])),
			     events => Events}}),
    {notifyReply, #'NotifyReply'{terminationID = Tids}};
%% The MG's liveness check (AuditValue of ROOT, e.g. agwd's heartbeat):
%% an MGC's ROOT has nothing to report.
command_reply(_Ctx, {auditValueRequest,
		     #'AuditRequest'{terminationID =
					 ?megaco_root_termination_id}}) ->
    {auditValueReply,
     {auditResult, #'AuditResult'{terminationID = ?megaco_root_termination_id,
				  terminationAuditResult = []}}};
command_reply(_Ctx, _Other) ->
    {error, #'ErrorDescriptor'{errorCode = ?megaco_not_implemented,
			       errorText = "agw_mgc only answers Notify and "
			       "AuditValue of ROOT"}}.

handle_trans_long_request(_CH, _PV, _Data) ->
    {discard_ack, #'ErrorDescriptor'{errorCode = ?megaco_not_implemented,
				     errorText = "no long requests"}}.

handle_trans_reply(_CH, _PV, _Reply, _Data) -> ok.
handle_trans_ack(_CH, _PV, _Status, _Data) -> ok.
handle_unexpected_trans(_CH, _PV, _Trans) -> ok.
handle_trans_request_abort(_CH, _PV, _Tid, _Pid) -> ok.
handle_segment_reply(_CH, _PV, _Tid, _SN, _SC) -> ok.

%% ---- helpers ------------------------------------------------------------

emit(Map) -> agw_mgc_json:emit(Map).

sync_vars(false, _Path, Vars) -> Vars;
sync_vars(true, Path, Vars) ->
    {ok, Bin} = file:read_file(Path),
    lists:foldl(fun(Line, Acc) ->
			case string:split(Line, "=") of
			    [K, V] when K =/= "" ->
				Acc#{string:trim(K) => string:trim(V)};
			    _ -> Acc
			end
		end, Vars, string:lexemes(binary_to_list(Bin), "\n")).

wait_file(_Path, Ms) when Ms =< 0 -> false;
wait_file(Path, Ms) ->
    case filelib:is_regular(Path) of
	true -> true;
	false -> timer:sleep(50), wait_file(Path, Ms - 50)
    end.

bin(B) when is_binary(B) -> B;
bin(A) when is_atom(A) -> atom_to_binary(A, utf8);
bin(I) when is_integer(I) -> integer_to_binary(I);
bin(L) -> unicode:characters_to_binary(L, latin1).

fmt(F, A) -> bin(lists:flatten(io_lib:format(F, A))).
