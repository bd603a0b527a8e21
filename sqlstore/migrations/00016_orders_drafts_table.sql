-- Issuing an order rewrites its row: state, approver, key, log index and
-- signature. On PostgreSQL, that rewrite can stay on the row's page and
-- skip every index (a heap-only tuple update) only if no index holds a
-- column it changes and the page has room for the new row beside the old.
-- Two indexes held the state: orders_area (area_id, state) and the partial
-- index of drafts. orders_area now holds the area alone (lists within a
-- jurisdiction filter the state on the rows), and the drafts awaiting
-- approval are kept in their own table, order_drafts, which triggers fill
-- when an order is drafted and empty when it leaves the draft state, on
-- either database. On PostgreSQL, orders' pages are filled to 30 % on
-- insert: a draft is about 370 bytes and an issued order about 790, so a
-- page of seven drafts holds both versions of each while the batch
-- issuing them is open.

-- +goose Up
CREATE TABLE order_drafts (
    order_id TEXT PRIMARY KEY
);
INSERT INTO order_drafts (order_id) SELECT id FROM orders WHERE state = 'draft';
DROP INDEX orders_drafts;
DROP INDEX orders_area;
CREATE INDEX orders_area ON orders (area_id);
{{if postgres}}
ALTER TABLE orders SET (fillfactor = 30);
-- +goose StatementBegin
CREATE FUNCTION muster_orders_drafted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_drafts (order_id) SELECT id FROM changed WHERE state = 'draft';
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION muster_orders_undrafted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM order_drafts d USING changed c WHERE d.order_id = c.id AND c.state <> 'draft';
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER orders_drafted AFTER INSERT ON orders
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION muster_orders_drafted();
CREATE TRIGGER orders_undrafted AFTER UPDATE ON orders
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION muster_orders_undrafted();
{{else}}
-- +goose StatementBegin
CREATE TRIGGER orders_drafted AFTER INSERT ON orders WHEN NEW.state = 'draft'
BEGIN
    INSERT INTO order_drafts (order_id) VALUES (NEW.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orders_undrafted AFTER UPDATE OF state ON orders WHEN OLD.state = 'draft' AND NEW.state <> 'draft'
BEGIN
    DELETE FROM order_drafts WHERE order_id = OLD.id;
END;
-- +goose StatementEnd
{{end}}

-- +goose Down
{{if postgres}}
DROP TRIGGER orders_undrafted ON orders;
DROP TRIGGER orders_drafted ON orders;
DROP FUNCTION muster_orders_undrafted();
DROP FUNCTION muster_orders_drafted();
ALTER TABLE orders RESET (fillfactor);
{{else}}
DROP TRIGGER orders_undrafted;
DROP TRIGGER orders_drafted;
{{end}}
DROP INDEX orders_area;
CREATE INDEX orders_area ON orders (area_id, state);
CREATE INDEX orders_drafts ON orders (id) WHERE state = 'draft';
DROP TABLE order_drafts;
