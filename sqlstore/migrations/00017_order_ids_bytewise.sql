-- Order ids are ULIDs: ASCII letters and digits that sort by time when
-- compared byte by byte. On PostgreSQL they were compared under the
-- database's collation, which for every index probe and insert asks the C
-- library to collate two strings; issuing a batch compares them in the
-- orders' primary key, the events' key, the checks that events and
-- messages name an order and the table of drafts. The bytewise "C"
-- collation gives the same order for these ids at the cost of a memcmp.
-- SQLite always compares text bytewise.

-- +goose Up
{{if postgres}}
-- The triggers whose conditions name these columns are set up again.
DROP TRIGGER orders_id_fixed ON orders;
DROP TRIGGER order_events_order_changed ON order_events;
DROP TRIGGER outbox_order_changed ON outbox;
ALTER TABLE orders ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE order_events ALTER COLUMN order_id TYPE TEXT COLLATE "C";
ALTER TABLE outbox ALTER COLUMN order_id TYPE TEXT COLLATE "C";
ALTER TABLE order_drafts ALTER COLUMN order_id TYPE TEXT COLLATE "C";
ALTER TABLE proposal_lines ALTER COLUMN order_id TYPE TEXT COLLATE "C";
CREATE TRIGGER orders_id_fixed BEFORE UPDATE OF id ON orders
    FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION muster_key_fixed();
CREATE TRIGGER order_events_order_changed AFTER UPDATE OF order_id ON order_events
    FOR EACH ROW WHEN (NEW.order_id IS DISTINCT FROM OLD.order_id) EXECUTE FUNCTION muster_row_names_order();
CREATE TRIGGER outbox_order_changed AFTER UPDATE OF order_id ON outbox
    FOR EACH ROW WHEN (NEW.order_id IS NOT NULL AND NEW.order_id IS DISTINCT FROM OLD.order_id)
    EXECUTE FUNCTION muster_row_names_order();
{{end}}

-- +goose Down
{{if postgres}}
DROP TRIGGER orders_id_fixed ON orders;
DROP TRIGGER order_events_order_changed ON order_events;
DROP TRIGGER outbox_order_changed ON outbox;
ALTER TABLE proposal_lines ALTER COLUMN order_id TYPE TEXT COLLATE "default";
ALTER TABLE order_drafts ALTER COLUMN order_id TYPE TEXT COLLATE "default";
ALTER TABLE outbox ALTER COLUMN order_id TYPE TEXT COLLATE "default";
ALTER TABLE order_events ALTER COLUMN order_id TYPE TEXT COLLATE "default";
ALTER TABLE orders ALTER COLUMN id TYPE TEXT COLLATE "default";
CREATE TRIGGER orders_id_fixed BEFORE UPDATE OF id ON orders
    FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION muster_key_fixed();
CREATE TRIGGER order_events_order_changed AFTER UPDATE OF order_id ON order_events
    FOR EACH ROW WHEN (NEW.order_id IS DISTINCT FROM OLD.order_id) EXECUTE FUNCTION muster_row_names_order();
CREATE TRIGGER outbox_order_changed AFTER UPDATE OF order_id ON outbox
    FOR EACH ROW WHEN (NEW.order_id IS NOT NULL AND NEW.order_id IS DISTINCT FROM OLD.order_id)
    EXECUTE FUNCTION muster_row_names_order();
{{end}}
