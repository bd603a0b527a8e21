-- The orders of one addressee, for the registry's pages of a person or an
-- organisation: without these indexes each such page would scan every
-- order of the mobilization. Few orders go to organisations, so theirs is
-- a partial index.

-- +goose Up
CREATE INDEX orders_addressee_person ON orders (addressee_person_id);
CREATE INDEX orders_addressee_org ON orders (addressee_org_id) WHERE addressee_org_id IS NOT NULL;

-- +goose Down
DROP INDEX orders_addressee_org;
DROP INDEX orders_addressee_person;
