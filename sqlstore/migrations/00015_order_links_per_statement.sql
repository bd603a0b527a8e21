-- Orders and authority keys are never deleted and never change their key:
-- an order is a legal record, and a key's signatures must stay verifiable.
-- Triggers now refuse both, on either database.
--
-- On PostgreSQL, that lets the links issuing writes by the thousand be
-- checked once per statement instead of once per row: order_events and
-- outbox name an order, and an issued order names its signing key. A
-- foreign key runs a query and locks the row it points at, for every row
-- written; with five thousand orders per transaction that was about a
-- third of the writer's time (muster bench issue --orders 100000:
-- 6,400 orders/s with the foreign keys, 8,200 to 9,200 without, on a
-- 2-core machine). Since the rows pointed at can never go away, checking
-- that they exist when a row is written keeps the same guarantee without
-- the lock. The checks raise PostgreSQL's foreign_key_violation, as the
-- foreign keys did. SQLite checks its foreign keys inside its engine, at
-- little cost: it keeps them.

-- +goose Up
{{if postgres}}
-- +goose StatementBegin
CREATE FUNCTION muster_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are never deleted', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION muster_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % never change their key', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER orders_never_deleted BEFORE DELETE OR TRUNCATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION muster_never_deleted();
CREATE TRIGGER orders_id_fixed BEFORE UPDATE OF id ON orders
    FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION muster_key_fixed();
CREATE TRIGGER authority_keys_never_deleted BEFORE DELETE OR TRUNCATE ON authority_keys
    FOR EACH STATEMENT EXECUTE FUNCTION muster_never_deleted();
CREATE TRIGGER authority_keys_key_id_fixed BEFORE UPDATE OF key_id ON authority_keys
    FOR EACH ROW WHEN (NEW.key_id IS DISTINCT FROM OLD.key_id) EXECUTE FUNCTION muster_key_fixed();

-- The rows a statement added (transition table "added") all name an order.
-- +goose StatementBegin
CREATE FUNCTION muster_added_name_orders() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing TEXT;
BEGIN
    SELECT a.order_id INTO missing FROM added a
        WHERE a.order_id IS NOT NULL AND NOT EXISTS (SELECT FROM orders o WHERE o.id = a.order_id)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "%" names order "%", which does not exist', TG_TABLE_NAME, missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- The row a statement changed names an order: muster never changes the
-- order of an event or a message, so this runs only if someone else does.
-- +goose StatementBegin
CREATE FUNCTION muster_row_names_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM orders WHERE id = NEW.order_id) THEN
        RAISE EXCEPTION 'update on table "%" names order "%", which does not exist', TG_TABLE_NAME, NEW.order_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
ALTER TABLE order_events DROP CONSTRAINT order_events_order_id_fkey;
CREATE TRIGGER order_events_name_orders AFTER INSERT ON order_events
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION muster_added_name_orders();
CREATE TRIGGER order_events_order_changed AFTER UPDATE OF order_id ON order_events
    FOR EACH ROW WHEN (NEW.order_id IS DISTINCT FROM OLD.order_id) EXECUTE FUNCTION muster_row_names_order();
ALTER TABLE outbox DROP CONSTRAINT outbox_order_id_fkey;
CREATE TRIGGER outbox_names_orders AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION muster_added_name_orders();
CREATE TRIGGER outbox_order_changed AFTER UPDATE OF order_id ON outbox
    FOR EACH ROW WHEN (NEW.order_id IS NOT NULL AND NEW.order_id IS DISTINCT FROM OLD.order_id)
    EXECUTE FUNCTION muster_row_names_order();

-- The orders a statement added or changed (transition table "changed")
-- name existing keys. A transition table cannot be limited to updates of
-- key_id; for the few orders other updates touch, the copy is cheap.
-- +goose StatementBegin
CREATE FUNCTION muster_orders_name_keys() RETURNS trigger LANGUAGE plpgsql AS $$
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
ALTER TABLE orders DROP CONSTRAINT orders_key_id_fkey;
CREATE TRIGGER orders_added_name_keys AFTER INSERT ON orders
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION muster_orders_name_keys();
CREATE TRIGGER orders_changed_name_keys AFTER UPDATE ON orders
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION muster_orders_name_keys();
{{else}}
-- +goose StatementBegin
CREATE TRIGGER orders_never_deleted BEFORE DELETE ON orders
BEGIN
    SELECT RAISE(ABORT, 'rows of orders are never deleted');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orders_id_fixed BEFORE UPDATE OF id ON orders WHEN NEW.id IS NOT OLD.id
BEGIN
    SELECT RAISE(ABORT, 'rows of orders never change their key');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER authority_keys_never_deleted BEFORE DELETE ON authority_keys
BEGIN
    SELECT RAISE(ABORT, 'rows of authority_keys are never deleted');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER authority_keys_key_id_fixed BEFORE UPDATE OF key_id ON authority_keys WHEN NEW.key_id IS NOT OLD.key_id
BEGIN
    SELECT RAISE(ABORT, 'rows of authority_keys never change their key');
END;
-- +goose StatementEnd
{{end}}

-- +goose Down
{{if postgres}}
DROP TRIGGER orders_changed_name_keys ON orders;
DROP TRIGGER orders_added_name_keys ON orders;
ALTER TABLE orders ADD CONSTRAINT orders_key_id_fkey FOREIGN KEY (key_id) REFERENCES authority_keys (key_id);
DROP FUNCTION muster_orders_name_keys();
DROP TRIGGER outbox_order_changed ON outbox;
DROP TRIGGER outbox_names_orders ON outbox;
ALTER TABLE outbox ADD CONSTRAINT outbox_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id);
DROP TRIGGER order_events_order_changed ON order_events;
DROP TRIGGER order_events_name_orders ON order_events;
ALTER TABLE order_events ADD CONSTRAINT order_events_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id);
DROP FUNCTION muster_row_names_order();
DROP FUNCTION muster_added_name_orders();
DROP TRIGGER authority_keys_key_id_fixed ON authority_keys;
DROP TRIGGER authority_keys_never_deleted ON authority_keys;
DROP TRIGGER orders_id_fixed ON orders;
DROP TRIGGER orders_never_deleted ON orders;
DROP FUNCTION muster_key_fixed();
DROP FUNCTION muster_never_deleted();
{{else}}
DROP TRIGGER authority_keys_key_id_fixed;
DROP TRIGGER authority_keys_never_deleted;
DROP TRIGGER orders_id_fixed;
DROP TRIGGER orders_never_deleted;
{{end}}
