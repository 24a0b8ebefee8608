%% SPDX-License-Identifier: GPL-2.0-only
%%
%% agw's profile table as tests/helpers/h248_profile --erl prints it (one
%% {item, Key, Package, Name, Kind, StdName} term per row), for agw_mgc
%% and agw_test_mg: test files name items by Key, never by their name.
-module(agw_profile).
-export([read/1, packages/1]).

%% The rows of File, or {error, Why}.
read(File) ->
    case file:consult(File) of
	{ok, Terms} ->
	    case [T || T = {item, _, _, _, _, _} <- Terms] of
		[] -> {error, no_rows};
		Rows -> {ok, Rows}
	    end;
	{error, _} = E -> E
    end.

%% The packages of the rows, each once, in table order.
packages(Rows) ->
    lists:foldl(fun({item, _, P, _, _, _}, Acc) ->
			case lists:member(P, Acc) of
			    true -> Acc;
			    false -> Acc ++ [P]
			end
		end, [], Rows).
