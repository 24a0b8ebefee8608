%% SPDX-License-Identifier: GPL-2.0-only
%%
%% A megaco encoder that wraps a real one (megaco_pretty_text_encoder or
%% megaco_compact_text_encoder, named first in the encoding config) and
%% tells the test process (registered as agw_mgc_ctl) about every message
%% it encodes or decodes: that is how the harness learns transaction IDs
%% and the exact bytes of requests and replies.
-module(agw_mgc_codec).
-behaviour(megaco_encoder).

-export([encode_message/3, decode_message/3, decode_mini_message/3,
	 version_of/2, encode_transaction/3, encode_action_requests/3,
	 encode_action_reply/3]).

-define(CTL, agw_mgc_ctl).

tell(Event) ->
    case whereis(?CTL) of
	undefined -> ok;
	Pid -> Pid ! {agw_codec, Event}
    end.

encode_message([Mod | Config], Version, Msg) ->
    Result = Mod:encode_message(Config, Version, Msg),
    tell({encoded, Msg, Result}),
    Result.

decode_message([Mod | Config], Version, Bin) ->
    Result = Mod:decode_message(Config, Version, Bin),
    tell({decoded, Bin, Result}),
    Result.

decode_mini_message([Mod | Config], Version, Bin) ->
    Mod:decode_mini_message(Config, Version, Bin).

version_of([Mod | Config], Bin) ->
    Mod:version_of(Config, Bin).

encode_transaction([Mod | Config], Version, Trans) ->
    Mod:encode_transaction(Config, Version, Trans).

encode_action_requests([Mod | Config], Version, ARs) ->
    Mod:encode_action_requests(Config, Version, ARs).

encode_action_reply([Mod | Config], Version, AR) ->
    Mod:encode_action_reply(Config, Version, AR).
