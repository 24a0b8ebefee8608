%% SPDX-License-Identifier: GPL-2.0-only
%%
%% agw_mgc: a real H.248 MGC (Erlang/OTP megaco) that test scripts drive.
%%
%%   erl -noshell -pa $BUILD/mgc -run agw_mgc main -extra [options]
%%
%% It listens (UDP or TCP, pretty or compact text), waits for the MG's
%% ServiceChange, accepts it, then runs a scenario of line commands and
%% prints one JSON object per step on stdout. Exit status: 0 when every
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
      mid_addr => [127, 0, 0, 1],
      reply_timeout => 10000, vars => #{}}.

opts([], O) -> O;
opts(["--transport", T | R], O) when T =:= "udp"; T =:= "tcp" ->
    opts(R, O#{transport => list_to_atom(T)});
opts(["--encoding", E | R], O) when E =:= "pretty"; E =:= "compact" ->
    opts(R, O#{encoding => list_to_atom(E)});
opts(["--port", P | R], O) -> opts(R, O#{port => list_to_integer(P)});
opts(["--mg", A | R], O) -> opts(R, O#{mg => A});
opts(["--mid-addr", A | R], O) ->
    {ok, {_, _, _, _} = IP} = inet:parse_ipv4strict_address(A),
    opts(R, O#{mid_addr => tuple_to_list(IP)});
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
    Mid = {ip4Address, #'IP4Address'{address = maps:get(mid_addr, O),
				     portNumber = Port}},
    ok = megaco:start_user(Mid, [{user_mod, ?MODULE},
				 {protocol_version, Version}]),
    RH0 = megaco:user_info(Mid, receive_handle),
    RH = RH0#megaco_receive_handle{encoding_mod = agw_mgc_codec,
				   encoding_config = [encoder(O)],
				   send_mod = send_mod(O)},
    listen(O, RH),
    emit(#{cmd => <<"listen">>, ok => true, port => Port,
	   transport => maps:get(transport, O),
	   encoding => maps:get(encoding, O)}),
    Vars = (maps:get(vars, O))#{"mgc_port" => integer_to_list(Port)},
    S = register_mg(O#{notifies => [], seen => [], step => 0, last => #{},
		       vars => Vars}),
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

listen(#{transport := udp, port := Port}, RH) ->
    {ok, Sup} = megaco_udp:start_transport(),
    {ok, _SH, _Ctrl} = megaco_udp:open(Sup, [{port, Port},
					     {receive_handle, RH}]),
    ok;
listen(#{transport := tcp, port := Port}, RH) ->
    {ok, Sup} = megaco_tcp:start_transport(),
    ok = megaco_tcp:listen(Sup, [{port, Port}, {receive_handle, RH}]).

register_mg(O) ->
    case await_register(O) of
	{Line = #{ok := true}, O1} ->
	    emit(Line#{cmd => <<"register">>}),
	    O1;
	{Line, _} ->
	    emit(Line#{cmd => <<"register">>}),
	    throw({exit, 1})
    end.

%% The MG's next ServiceChange (accepted by handle_trans_request/3).
await_register(O = #{register_timeout := T}) ->
    receive
	{agw_mgc, registered, CH, PV, Info} ->
	    %% The user callback tells us before megaco has sent the
	    %% ServiceChange reply: give it time, so that the first request
	    %% does not overtake the reply (the MG would answer 505).
	    timer:sleep(200),
	    Peer = peer(CH),
	    Ok = case maps:get(mg, O) of
		     any -> true;
		     Want -> lists:prefix(Want, binary_to_list(Peer))
		 end,
	    {Info#{ok => Ok, version => PV, peer => Peer},
	     O#{ch => CH, pv => PV}}
    after T ->
	    {#{ok => false, error => <<"timeout">>}, O}
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
step(["wait", "register", Ms], S) ->
    {Line, S1} = await_register(S#{register_timeout => list_to_integer(Ms)}),
    report(S1#{register_timeout => maps:get(register_timeout, S)},
	   Line#{cmd => <<"wait register">>});
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
    Ok = wait_file(filename:join(Dir, Name), list_to_integer(Ms)),
    report(S, #{cmd => <<"sync">>, ok => Ok, name => bin(Name)});
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
step_opts([], Acc) -> Acc;
step_opts([X | _], _) -> throw({fail, "bad step option " ++ X}).

%% ---- send: a transaction through megaco's own transaction layer ---------

cmd_send(File, OptWords, S = #{ch := CH}) ->
    Opts = step_opts(OptWords, #{}),
    Timeout = maps:get(timeout, Opts, maps:get(reply_timeout, S)),
    ARs = actions(File, subst(read(File, S), S), S),
    S0 = drain(S),
    T0 = erlang:monotonic_time(millisecond),
    %% megaco retransmits over UDP every 2 s until the reply arrives.
    Timer = #megaco_incr_timer{wait_for = 2000, factor = 1, incr = 0,
			       max_retries = max(1, Timeout div 2000)},
    Result = megaco:call(CH, ARs, [{request_timer, Timer}]),
    Ms = erlang:monotonic_time(millisecond) - T0,
    {Tid, ReqBin} = last_request(),
    ReplyBin = wait_decoded_reply(Tid, 2000),
    Base = #{cmd => <<"send">>, file => bin(File), tid => Tid, ms => Ms,
	     request => ReqBin, reply => ReplyBin},
    {Line, Vars} = outcome(Result, Base, maps:get(as, Opts, undefined)),
    S1 = S0#{vars => maps:merge(maps:get(vars, S0), Vars),
	     last_request => ReqBin, last_tid => Tid},
    report(S1, Line).

outcome({_PV, {ok, ActionReplies}}, Base, As) when is_list(ActionReplies) ->
    {Code, Text} = action_error(ActionReplies),
    Ids = reply_ids(ActionReplies),
    Line = Base#{ok => true, result => <<"reply">>, error_code => Code,
		 error_text => Text},
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

action_error(ARs) ->
    case [ED || #'ActionReply'{errorDescriptor = ED} <- ARs,
		ED =/= asn1_NOVALUE] of
	[#'ErrorDescriptor'{errorCode = C, errorText = T} | _] -> {C, text(T)};
	[] -> {null, null}
    end.

text(asn1_NOVALUE) -> null;
text(T) -> bin(T).

%% The context and termination the MG chose, and its Local c= and m=.
reply_ids([#'ActionReply'{contextId = Ctx, commandReply = CRs} | _]) ->
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
expectation(What, _) ->
    throw({fail, "unknown expectation: " ++ lists:join(" ", What)}).

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
    tell({agw_mgc, disconnect, Reason}),
    megaco:cancel(CH, Reason),
    ok.

handle_syntax_error(_RH, _PV, _ED) -> reply.

handle_message_error(_CH, _PV, _ED) -> ok.

handle_trans_request(CH, PV, [#'ActionRequest'{
				 contextId = ?megaco_null_context_id,
				 commandRequests =
				     [#'CommandRequest'{
					 command = {serviceChangeReq, SCR}}]}]) ->
    #'ServiceChangeRequest'{terminationID = Tids,
			    serviceChangeParms = Parms} = SCR,
    persistent_term:put({agw_mgc, registered}, true),
    tell({agw_mgc, registered, CH, PV,
	  #{method => atom_to_binary(Parms#'ServiceChangeParm'.serviceChangeMethod,
				     utf8),
	    mg_mid => fmt("~p", [CH#megaco_conn_handle.remote_mid])}}),
    %% No serviceChangeMgcId here: that would tell the MG to go elsewhere.
    Res = #'ServiceChangeResParm'{serviceChangeVersion = PV},
    Reply = #'ServiceChangeReply'{terminationID = Tids,
				  serviceChangeResult =
				      {serviceChangeResParms, Res}},
    {discard_ack, [#'ActionReply'{contextId = ?megaco_null_context_id,
				  commandReply =
				      [{serviceChangeReply, Reply}]}]};
handle_trans_request(_CH, _PV, ARs) ->
    case persistent_term:get({agw_mgc, registered}, false) of
	true ->
	    {discard_ack, [action_reply(AR) || AR <- ARs]};
	false ->
	    %% An MGC that (re)started does not know this MG yet: the MG
	    %% sees it and registers again.
	    {discard_ack, #'ErrorDescriptor'{
			     errorCode = ?megaco_unauthorized,
			     errorText = "MG not registered with this MGC"}}
    end.

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
command_reply(_Ctx, _Other) ->
    {error, #'ErrorDescriptor'{errorCode = ?megaco_not_implemented,
			       errorText = "agw_mgc only answers Notify"}}.

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
