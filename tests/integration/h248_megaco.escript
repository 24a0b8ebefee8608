#!/usr/bin/env escript
%% SPDX-License-Identifier: GPL-2.0-only
%%
%% Erlang megaco side of the H.248 corpus test.
%%   extract CORPUS DIR   write each message of the megaco corpus file
%%                        (file:consult/1 term file) to DIR/NAME.txt
%%   verify CORPUS DIR    for each message NAME, megaco must decode agw's
%%                        DIR/NAME.pretty (pretty decoder, with and without
%%                        the flex scanner) and DIR/NAME.compact (compact
%%                        decoder) into the same record it decodes the
%%                        original into. Prints one line per failure and
%%                        "megaco: N ok, N failed".
-mode(compile).

main(["extract", Corpus, Dir]) ->
    lists:foreach(
      fun({Name, Bin}) ->
              ok = file:write_file(filename:join(Dir, atom_to_list(Name) ++ ".txt"), Bin)
      end, msgs(Corpus)),
    io:format("extracted ~p messages~n", [length(msgs(Corpus))]);
main(["verify", Corpus, Dir]) ->
    {ok, Port} = megaco_flex_scanner:start(),
    Flex = [{flex, Port}],
    Res = [verify(Name, Bin, Dir, Flex) || {Name, Bin} <- msgs(Corpus)],
    Ok = length([ok || ok <- Res]),
    Bad = length(Res) - Ok,
    io:format("megaco: ~p ok, ~p failed~n", [Ok, Bad]),
    halt(if Bad =:= 0, Ok > 0 -> 0; true -> 1 end);
main(["accept", Dir]) ->
    Files = filelib:wildcard(filename:join(Dir, "*.pretty")) ++
        filelib:wildcard(filename:join(Dir, "*.compact")),
    Bad = [F || F <- Files, not accepts(F)],
    io:format("megaco accepts: ~p ok, ~p failed~n",
              [length(Files) - length(Bad), length(Bad)]),
    halt(if Bad =:= [], Files =/= [] -> 0; true -> 1 end);
main(_) ->
    io:format("usage: h248_megaco.escript extract|verify CORPUS DIR~n"),
    halt(2).

accepts(F) ->
    {ok, Bin} = file:read_file(F),
    Mod = case filename:extension(F) of
              ".pretty" -> megaco_pretty_text_encoder;
              ".compact" -> megaco_compact_text_encoder
          end,
    case catch Mod:decode_message([], dynamic, Bin) of
        {ok, _} -> true;
        Err -> io:format("~s: ~P~n", [F, Err, 20]), false
    end.

msgs(Corpus) ->
    {ok, Terms} = file:consult(Corpus),
    lists:append([Msgs || {_Codec, Msgs} <- Terms]).

verify(Name, Bin, Dir, Flex) ->
    Base = filename:join(Dir, atom_to_list(Name)),
    %% The flex scanner reads digit maps differently from the Erlang
    %% scanner, so each configuration is compared with its own reading
    %% of the original.
    {ok, Ref} = megaco_pretty_text_encoder:decode_message([], dynamic, Bin),
    {ok, RefFlex} = megaco_pretty_text_encoder:decode_message(Flex, dynamic, Bin),
    {ok, Pretty} = file:read_file(Base ++ ".pretty"),
    {ok, Compact} = file:read_file(Base ++ ".compact"),
    Checks = [{pretty, megaco_pretty_text_encoder, [], Pretty, Ref},
              {pretty_flex, megaco_pretty_text_encoder, Flex, Pretty, RefFlex},
              {compact, megaco_compact_text_encoder, [], Compact, Ref},
              {compact_flex, megaco_compact_text_encoder, Flex, Compact, RefFlex}],
    Fails = [{Form, R} || {Form, Mod, Conf, Enc, R0} <- Checks,
                          (R = check(Mod, Conf, Enc, R0)) =/= ok],
    case Fails of
        [] -> ok;
        _ ->
            io:format("~p: ~P~n", [Name, Fails, 40]),
            fail
    end.

check(Mod, Conf, Enc, Ref) ->
    case catch Mod:decode_message(Conf, dynamic, Enc) of
        {ok, Ref} -> ok;
        {ok, Other} -> {differs, Other};
        Err -> {error, Err}
    end.
