-- On PostgreSQL, the check of 00015 that the orders a statement added or
-- changed name existing keys looks each key up once, not once per order.
-- Issuing gives the same key to every order of a batch, so 5,000 probes
-- of the keys' index become one: the check took 4.3 ms per batch of
-- 5,000 orders before (auto_explain, muster bench issue --orders
-- 100000), and under 3 ms after, below what auto_explain was set to log.
--
-- The key is looked up in a scalar subquery, an index probe per distinct
-- key whatever the planner's settings and whatever size of statement
-- the plan PL/pgSQL keeps for the session was first made for.
--
-- The same for the orders that events and messages name was measured and
-- left out: hashing the 10,000 order ids of a batch's events cost as much
-- as the 5,000 probes it saved (auto_explain: 16.5 against 12.7 ms per
-- statement), and a first try of it under NOT EXISTS (reverted in
-- 3c6731e) made issuing slower as the orders grew.

-- +goose Up
{{if postgres}}
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION muster_orders_name_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing TEXT;
BEGIN
    SELECT c.key_id INTO missing FROM (SELECT DISTINCT key_id FROM changed WHERE key_id IS NOT NULL) c
        WHERE (SELECT k.key_id FROM authority_keys k WHERE k.key_id = c.key_id) IS NULL
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "orders" names key "%", which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
{{end}}

-- +goose Down
{{if postgres}}
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION muster_orders_name_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing TEXT;
BEGIN
    SELECT c.key_id INTO missing FROM changed c
        WHERE c.key_id IS NOT NULL AND NOT EXISTS (SELECT FROM authority_keys k WHERE k.key_id = c.key_id)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "orders" names key "%", which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
{{end}}
