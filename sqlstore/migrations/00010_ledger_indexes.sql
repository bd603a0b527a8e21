-- A payable's payments are found by account: without these indexes
-- reading one order's payable scans the whole ledger.

-- +goose Up
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account);

-- +goose Down
DROP INDEX ledger_transfers_credit;
DROP INDEX ledger_transfers_debit;
