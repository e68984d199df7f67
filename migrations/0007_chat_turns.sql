-- slorec schema, version 7: chat conversations.
--
-- The chat remembered its conversations in the API process, so a follow-up
-- ("what if it drops to 99%?") lost its context on another replica, after
-- a restart and whenever the tenant's data changed. Each turn is a row:
-- the conversation is named by the tenant and the caller's (or the
-- chat's random) id, ordered by seq, and its data is the chat's JSON,
-- opaque to the store. Writers keep a conversation's newest turns only,
-- and drop a bounded batch of the tenant's expired turns with every write
-- (store.Conversations).
CREATE TABLE chat_turns (
    tenant       text        NOT NULL,
    conversation text        NOT NULL CHECK (octet_length(conversation) BETWEEN 1 AND 128),
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    at           timestamptz NOT NULL,
    turn         jsonb       NOT NULL CHECK (jsonb_typeof(turn) = 'object'),
    PRIMARY KEY (tenant, conversation, seq)
);

-- Expiry finds a tenant's oldest turns.
CREATE INDEX chat_turns_expiry ON chat_turns (tenant, at);
