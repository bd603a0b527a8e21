-- A person's language, for the notices and menus of the phone channels,
-- and the blind index of their phone number, to find that language when
-- they dial in. The phone itself stays sealed with the other personal
-- fields; the index is a keyed hash that tells nothing without the key.

-- +goose Up
ALTER TABLE persons ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN phone_index {{bytes}};
CREATE INDEX persons_phone ON persons (phone_index);

-- +goose Down
DROP INDEX persons_phone;
ALTER TABLE persons DROP COLUMN phone_index;
ALTER TABLE persons DROP COLUMN language;
