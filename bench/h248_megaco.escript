#!/usr/bin/env escript
%% SPDX-License-Identifier: GPL-2.0-only
%%
%% h248_megaco.escript CORPUS ROUNDS: time Erlang megaco's text codecs on
%% every corpus message (decode of the message, encode of the decoded
%% record), like megaco_codec_meas: pretty with and without the flex
%% scanner, compact with the flex scanner. Prints bench: lines in CPU
%% ns/msg.
-mode(compile).

main([Corpus, Rounds0]) ->
    Rounds = list_to_integer(Rounds0),
    {ok, Terms} = file:consult(Corpus),
    Msgs = [Bin || {_Codec, L} <- Terms, {_Name, Bin} <- L],
    {ok, Port} = megaco_flex_scanner:start(),
    Flex = [{flex, Port}],
    Compact = [begin
                   {ok, M} = megaco_pretty_text_encoder:decode_message([], dynamic, B),
                   {ok, C} = megaco_compact_text_encoder:encode_message([], vsn(M), M),
                   C
               end || B <- Msgs],
    run("megaco_flex_pretty", megaco_pretty_text_encoder, Flex, Msgs, Rounds),
    run("megaco_pretty", megaco_pretty_text_encoder, [], Msgs, Rounds),
    run("megaco_flex_compact", megaco_compact_text_encoder, Flex, Compact, Rounds),
    ok.

run(Name, Mod, Conf, Bins, Rounds) ->
    Recs = [begin {ok, M} = Mod:decode_message(Conf, dynamic, B), {vsn(M), M} end
            || B <- Bins],
    N = length(Bins) * Rounds,
    loop(10, fun() -> [{ok, _} = Mod:decode_message(Conf, dynamic, B) || B <- Bins] end),
    Td = cpu(fun() -> loop(Rounds, fun() -> [{ok, _} = Mod:decode_message(Conf, dynamic, B) || B <- Bins] end) end),
    Te = cpu(fun() -> loop(Rounds, fun() -> [{ok, _} = Mod:encode_message(Conf, V, M) || {V, M} <- Recs] end) end),
    io:format("bench: h248_~s_decode = ~w ns/msg~n", [Name, round(Td * 1000000 / N)]),
    io:format("bench: h248_~s_encode = ~w ns/msg~n", [Name, round(Te * 1000000 / N)]).

%% CPU milliseconds of the whole runtime (schedulers and the flex
%% scanner driver), so other jobs on a shared machine do not inflate it.
cpu(F) ->
    {T0, _} = statistics(runtime),
    F(),
    {T1, _} = statistics(runtime),
    T1 - T0.

vsn({'MegacoMessage', _Auth, {'Message', V, _Mid, _Body}}) -> V.

loop(0, _F) -> ok;
loop(K, F) -> F(), loop(K - 1, F).
