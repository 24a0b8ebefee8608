%% SPDX-License-Identifier: GPL-2.0-only
%%
%% Minimal JSON writer for the harness's one-line step reports. Values:
%% maps (atom or binary keys), binaries (strings), integers, true, false,
%% null, and lists of values (arrays).
-module(agw_mgc_json).
-export([encode/1, emit/1]).

emit(Map) ->
    io:put_chars(standard_io, [encode(Map), $\n]).

encode(M) when is_map(M) ->
    Pairs = [[str(key(K)), $:, encode(V)] || {K, V} <- lists:sort(maps:to_list(M))],
    [${, lists:join($,, Pairs), $}];
encode(L) when is_list(L) ->
    [$[, lists:join($,, [encode(V) || V <- L]), $]];
encode(B) when is_binary(B) -> str(B);
encode(I) when is_integer(I) -> integer_to_binary(I);
encode(true) -> <<"true">>;
encode(false) -> <<"false">>;
encode(null) -> <<"null">>;
encode(A) when is_atom(A) -> str(atom_to_binary(A, utf8)).

key(K) when is_atom(K) -> atom_to_binary(K, utf8);
key(K) when is_binary(K) -> K.

%% Bytes are written as Latin-1 characters: H.248 text is ASCII, and a
%% malformed peer's bytes still come out readable and valid.
str(B) ->
    [$", [esc(C) || <<C>> <= B], $"].

esc($") -> <<"\\\"">>;
esc($\\) -> <<"\\\\">>;
esc($\n) -> <<"\\n">>;
esc($\r) -> <<"\\r">>;
esc($\t) -> <<"\\t">>;
esc(C) when C < 16#20; C >= 16#7f ->
    io_lib:format("\\u~4.16.0b", [C]);
esc(C) -> C.
