-- Fewer index entries to move when an order changes state, above all
-- when a hundred thousand drafts are issued at once. Every index holding
-- the state had to delete and insert an entry per order; two of the three
-- are replaced:
--   - orders_state (state, area_id) served only national lists by state,
--     and those are drafts awaiting approval (muster orders approve
--     --all-drafts): a partial index of the drafts does that, and issuing
--     only removes from it. Lists within a jurisdiction use orders_area.
--   - orders_batch keeps the batch alone: a batch's drafts are found by
--     batch, then filtered by state.
-- The outbox's provider index holds only the messages a provider has
-- taken, not every queued one.
-- muster bench issue --orders 100000 (SQLite): the issuing UPDATE went from
-- 2.4-3.0 s to 1.3-1.7 s.

-- +goose Up
DROP INDEX orders_state;
CREATE INDEX orders_drafts ON orders (id) WHERE state = 'draft';
DROP INDEX orders_batch;
CREATE INDEX orders_batch ON orders (batch);
DROP INDEX outbox_provider;
CREATE INDEX outbox_provider ON outbox (provider_id) WHERE provider_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_provider;
CREATE INDEX outbox_provider ON outbox (provider_id);
DROP INDEX orders_batch;
CREATE INDEX orders_batch ON orders (batch, state);
DROP INDEX orders_drafts;
CREATE INDEX orders_state ON orders (state, area_id);
