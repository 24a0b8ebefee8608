%% SPDX-License-Identifier: GPL-2.0-only
%%
%% Cross-checks agw's SDP with megaco's text codec (sdp_megaco.sh):
%%
%%   erl -noshell -pa $BUILD/mgc -run agw_sdp_check main -extra decode FILE
%%     decode an H.248 message and print every line of its Local and
%%     Remote descriptors as megaco read them ("name=value"), one a line
%%   ... -extra encode pretty|compact FILE
%%     encode a Modify whose Local holds FILE's SDP lines and print the
%%     message as megaco writes it
-module(agw_sdp_check).
-export([main/0]).

-include_lib("megaco/include/megaco.hrl").
-include_lib("megaco/include/megaco_message_v3.hrl").

main() ->
    Status = try run(init:get_plain_arguments())
	     catch C:E:St ->
		     io:format(standard_error, "~p:~p ~p~n", [C, E, St]),
		     2
	     end,
    erlang:halt(Status).

run(["decode", File]) ->
    {ok, Bin} = file:read_file(File),
    case megaco_pretty_text_encoder:decode_message([], dynamic, Bin) of
	{ok, Msg} ->
	    [io:format("~s=~s~n", [N, V])
	     || #'LocalRemoteDescriptor'{propGrps = PGs} <- descriptors(Msg),
		PG <- PGs, #'PropertyParm'{name = N, value = [V]} <- PG],
	    0;
	Error ->
	    io:format("error ~p~n", [Error]),
	    1
    end;
run(["encode", Encoding, File]) ->
    {ok, Bin} = file:read_file(File),
    Lines = [L || L <- string:lexemes(binary_to_list(Bin), "\r\n")],
    Props = [begin
		 [N, V] = string:split(L, "="),
		 #'PropertyParm'{name = N, value = [V]}
	     end || L <- Lines],
    SP = #'StreamParms'{localDescriptor =
			    #'LocalRemoteDescriptor'{propGrps = [Props]}},
    Media = #'MediaDescriptor'{streams = {oneStream, SP}},
    Tid = #megaco_term_id{id = ["ip", "1"]},
    Cmd = {modReq, #'AmmRequest'{terminationID = [Tid],
				 descriptors = [{mediaDescriptor, Media}]}},
    AR = #'ActionRequest'{contextId = 1,
			  commandRequests = [#'CommandRequest'{command = Cmd}]},
    TR = #'TransactionRequest'{transactionId = 1, actions = [AR]},
    Msg = #'MegacoMessage'{
	     mess = #'Message'{version = 3,
			       mId = {deviceName, "agw"},
			       messageBody = {transactions,
					      [{transactionRequest, TR}]}}},
    Mod = case Encoding of
	      "pretty" -> megaco_pretty_text_encoder;
	      "compact" -> megaco_compact_text_encoder
	  end,
    {ok, Out} = Mod:encode_message([], 3, Msg),
    io:put_chars(Out),
    0.

%% Every Local and Remote descriptor, in order.
descriptors(Term) when is_record(Term, 'LocalRemoteDescriptor') -> [Term];
descriptors(Term) when is_tuple(Term) -> descriptors(tuple_to_list(Term));
descriptors(Term) when is_list(Term) -> lists:flatmap(fun descriptors/1, Term);
descriptors(_) -> [].
