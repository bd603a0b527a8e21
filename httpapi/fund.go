package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/fund"
	"github.com/muster-org/muster/httpapi/report"
	"github.com/muster-org/muster/ledger"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/sqlstore"
)

// The fund's routes: the treasurer's use cases under /api/v1/fund, the
// public report at /report/fund (HTML, CSV, JSON), and the mobile-money
// webhook at /fund/webhook/{provider}, which a provider's server calls
// with an HMAC signature instead of a login (docs/FUND.md).

// fundStore is what the fund's routes need of the store; *sqlstore.DB has
// it.
type fundStore interface {
	AddProgramme(ctx context.Context, p fund.ProgrammeDef) (ledger.Account, error)
	Programmes(ctx context.Context) ([]sqlstore.FundProgramme, error)
	RecordContribution(ctx context.Context, c fund.Contribution, by string) (sqlstore.FundContribution, error)
	ApplyFund(ctx context.Context, batch []ledger.Transfer) (sqlstore.FundResult, error)
	UndoFund(ctx context.Context, id, why string) (sqlstore.FundResult, error)
	PayCompensation(ctx context.Context, p fund.Payment, by order.Actor, within string) (sqlstore.FundPayable, error)
	Payable(ctx context.Context, idOrCode, within string) (sqlstore.FundPayable, error)
	FundCheckpoint(ctx context.Context) (fund.Checkpoint, error)
	FundReport(ctx context.Context, cp fund.Checkpoint) (fund.Report, error)
}

func (s *Server) fundDB() (fundStore, error) {
	fs, ok := s.store.(fundStore)
	if !ok {
		return nil, muster.Errorf(muster.Internal, "this store keeps no fund")
	}
	return fs, nil
}

// fundWebhookPattern is the webhook's route.
const fundWebhookPattern = "/fund/webhook/{provider}"

func (s *Server) fundRoutes() []route {
	lang := queryParam("lang", "fr (default) or en")
	return []route{
		{Route: Route{"GET", "/report/fund", "", "The fund's public report: HTML with charts"},
			handle: s.fundReportHTML, params: []param{lang}},
		{Route: Route{"GET", "/report/fund.csv", "", "The fund's public report: CSV, one figure per row, with HXL hashtags"},
			handle: s.fundReportCSV},
		{Route: Route{"GET", "/report/fund.json", "", "The fund's public report: JSON"},
			handle: s.fundReportJSON},
		{Route: Route{"POST", fundWebhookPattern, "", "A mobile-money provider's notification of a contribution, signed with HMAC-SHA256 (docs/FUND.md)"},
			handle: s.fundWebhook, params: []param{pathParam("provider", "the provider's name, as in the secrets file")}},

		{Route: Route{"GET", "/api/v1/fund/programmes", auth.ReadFund, "The fund's programmes with their balances"},
			handle: s.listProgrammes, response: "FundProgrammeList"},
		{Route: Route{"POST", "/api/v1/fund/programmes", auth.WriteFund, "Add a programme (again with the same name: no-op)"},
			handle: s.addProgramme, body: "FundProgrammeRequest", response: "FundProgramme", status: http.StatusCreated, idempotent: true},
		{Route: Route{"POST", "/api/v1/fund/contributions", auth.WriteFund, "Record a contribution received in cash, at the bank or by mobile money"},
			handle: s.recordContribution, body: "FundContributionRequest", response: "FundContribution", idempotent: true},
		{Route: Route{"POST", "/api/v1/fund/allocations", auth.WriteFund, "Allocate unallocated money to a programme"},
			handle: fundUseCase[allocationRequest](s), body: "FundAllocationRequest", response: "FundResult", idempotent: true},
		{Route: Route{"POST", "/api/v1/fund/spending", auth.WriteFund, "Record a programme's spending, never beyond what it holds"},
			handle: fundUseCase[spendingRequest](s), body: "FundSpendingRequest", response: "FundResult", idempotent: true},
		{Route: Route{"POST", "/api/v1/fund/movements", auth.WriteFund, "Move money between holdings (cash deposited at the bank...)"},
			handle: fundUseCase[movementRequest](s), body: "FundMovementRequest", response: "FundResult", idempotent: true},
		{Route: Route{"POST", "/api/v1/fund/undo", auth.WriteFund, "Undo a recorded use case (a bounced cheque...) with its reversal"},
			handle: s.undoFund, body: "FundUndoRequest", response: "FundResult", idempotent: true},
		{Route: Route{"POST", "/api/v1/fund/payments", auth.WriteFund,
			"Pay an order's compensation from the compensation programme; paying it all records the order's compensate event"},
			handle: s.payCompensation, body: "FundPaymentRequest", response: "FundPayable", idempotent: true},
		{Route: Route{"GET", "/api/v1/orders/{code}/payable", auth.ReadFund, "The compensation owed and paid on an order"},
			handle: s.getPayable, response: "FundPayable", params: []param{orderParam}},
	}
}

// useCaseKey is the idempotency key of a use case: the request's id, or,
// when it gives none, one derived from the caller and the request's
// Idempotency-Key, so that a retry after the key expired still finds the
// transfer and moves no money twice.
func useCaseKey(id string, r *http.Request, c *caller) (string, error) {
	if id != "" {
		if !fund.ValidKey(id) {
			return "", muster.Errorf(muster.Invalid, "id: %q must be 1 to %d letters, digits, '.', '_' or '-'", id, fund.MaxKeyLen)
		}
		return id, nil
	}
	h := sha256.Sum256([]byte(strconv.FormatInt(c.user.ID, 10) + "\x00" + r.Header.Get(headerIdempotencyKey)))
	return "api-" + hex.EncodeToString(h[:12]), nil
}

func parseChannel(field, s string) (fund.Channel, error) {
	ch, err := fund.ParseChannel(s)
	if err != nil {
		return "", muster.Errorf(muster.Invalid, "%s: %s", field, muster.ErrorMessage(err))
	}
	return ch, nil
}

type contributionRequest struct {
	ID          string `json:"id,omitempty"`
	Channel     string `json:"channel"`
	Amount      int64  `json:"amount"`
	At          string `json:"at,omitempty"`
	Contributor string `json:"contributor,omitempty"`
}

func (s *Server) recordContribution(w http.ResponseWriter, r *http.Request, c *caller) error {
	fs, err := s.fundDB()
	if err != nil {
		return err
	}
	var req contributionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	key, err := useCaseKey(req.ID, r, c)
	if err != nil {
		return err
	}
	ch, err := parseChannel("channel", req.Channel)
	if err != nil {
		return err
	}
	var at time.Time
	if req.At != "" {
		if at, err = time.Parse(time.RFC3339Nano, req.At); err != nil {
			return muster.Errorf(muster.Invalid, "at: %q is not an RFC 3339 time", req.At)
		}
	}
	rec, err := fs.RecordContribution(r.Context(), fund.Contribution{Key: key, Channel: ch, Amount: req.Amount, At: at, Contributor: req.Contributor}, c.user.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// The use cases that are one batch of transfers, each read from its body.
type (
	allocationRequest struct {
		ID        string `json:"id,omitempty"`
		Programme string `json:"programme"`
		Amount    int64  `json:"amount"`
		Memo      string `json:"memo,omitempty"`
	}
	spendingRequest struct {
		ID        string `json:"id,omitempty"`
		Programme string `json:"programme"`
		Channel   string `json:"channel"`
		Amount    int64  `json:"amount"`
		Memo      string `json:"memo"`
	}
	movementRequest struct {
		ID     string `json:"id,omitempty"`
		From   string `json:"from"`
		To     string `json:"to"`
		Amount int64  `json:"amount"`
		Memo   string `json:"memo,omitempty"`
	}
)

// batchRequest is the body of a use case that is one batch of transfers.
type batchRequest interface {
	id() string
	transfers(key string) ([]ledger.Transfer, error)
}

func (q allocationRequest) id() string { return q.ID }
func (q spendingRequest) id() string   { return q.ID }
func (q movementRequest) id() string   { return q.ID }

func (q allocationRequest) transfers(key string) ([]ledger.Transfer, error) {
	return fund.Allocate(fund.Allocation{Key: key, Programme: q.Programme, Amount: q.Amount, Memo: q.Memo})
}

func (q spendingRequest) transfers(key string) ([]ledger.Transfer, error) {
	ch, err := parseChannel("channel", q.Channel)
	if err != nil {
		return nil, err
	}
	return fund.Spend(fund.Spending{Key: key, Programme: q.Programme, Channel: ch, Amount: q.Amount, Memo: q.Memo})
}

func (q movementRequest) transfers(key string) ([]ledger.Transfer, error) {
	from, err := parseChannel("from", q.From)
	if err != nil {
		return nil, err
	}
	to, err := parseChannel("to", q.To)
	if err != nil {
		return nil, err
	}
	return fund.Move(fund.Movement{Key: key, From: from, To: to, Amount: q.Amount, Memo: q.Memo})
}

// fundUseCase serves a use case whose body is an R.
func fundUseCase[R batchRequest](s *Server) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		fs, err := s.fundDB()
		if err != nil {
			return err
		}
		var req R
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
		key, err := useCaseKey(req.id(), r, c)
		if err != nil {
			return err
		}
		batch, err := req.transfers(key)
		if err != nil {
			return err
		}
		res, err := fs.ApplyFund(r.Context(), batch)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	}
}

type undoRequest struct {
	Transfer string `json:"transfer"`
	Why      string `json:"why"`
}

func (s *Server) undoFund(w http.ResponseWriter, r *http.Request, c *caller) error {
	fs, err := s.fundDB()
	if err != nil {
		return err
	}
	var req undoRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Transfer == "" {
		return muster.Errorf(muster.Invalid, "transfer: the id of a transfer of the use case to undo is required")
	}
	res, err := fs.UndoFund(r.Context(), req.Transfer, req.Why)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

type paymentRequest struct {
	ID        string `json:"id,omitempty"`
	Order     string `json:"order"`
	Channel   string `json:"channel"`
	Amount    int64  `json:"amount,omitempty"`
	Reference string `json:"reference,omitempty"`
}

func (s *Server) payCompensation(w http.ResponseWriter, r *http.Request, c *caller) error {
	fs, err := s.fundDB()
	if err != nil {
		return err
	}
	var req paymentRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	key, err := useCaseKey(req.ID, r, c)
	if err != nil {
		return err
	}
	ch, err := parseChannel("channel", req.Channel)
	if err != nil {
		return err
	}
	if req.Order == "" {
		return muster.Errorf(muster.Invalid, "order: the order's code or id is required")
	}
	if req.Amount < 0 {
		return muster.Errorf(muster.Invalid, "amount: %d is negative; leave it out to pay what is outstanding", req.Amount)
	}
	p, err := fs.PayCompensation(r.Context(), fund.Payment{Key: key, Order: req.Order, Channel: ch, Amount: req.Amount, Reference: req.Reference},
		order.Actor{Role: c.user.Role, Name: c.user.Name}, c.user.Area)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) getPayable(w http.ResponseWriter, r *http.Request, c *caller) error {
	fs, err := s.fundDB()
	if err != nil {
		return err
	}
	p, err := fs.Payable(r.Context(), r.PathValue("code"), c.user.Area)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) listProgrammes(w http.ResponseWriter, r *http.Request, _ *caller) error {
	fs, err := s.fundDB()
	if err != nil {
		return err
	}
	ps, err := fs.Programmes(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, itemsOf[sqlstore.FundProgramme]{Items: ps})
	return nil
}

func (s *Server) addProgramme(w http.ResponseWriter, r *http.Request, _ *caller) error {
	fs, err := s.fundDB()
	if err != nil {
		return err
	}
	var req fund.ProgrammeDef
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	a, err := fs.AddProgramme(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sqlstore.FundProgramme{Slug: req.Slug, Name: a.Name})
	return nil
}

// webhookAnswer is the webhook's answer: what the notification recorded.
// It is built from what is stored, so a retry gets the same answer.
type webhookAnswer struct {
	Transfer    string    `json:"transfer"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	CompletedAt time.Time `json:"completed_at"`
	LogIndex    uint64    `json:"log_index"`
}

// fundWebhook records a provider's notification. The signature is checked
// over the raw body before anything is parsed or stored: a call without a
// valid one is 401 and records nothing.
func (s *Server) fundWebhook(w http.ResponseWriter, r *http.Request, _ *caller) error {
	fs, err := s.fundDB()
	if err != nil {
		return err
	}
	provider := r.PathValue("provider")
	sig := r.Header.Get(fund.SignatureHeader)
	if sig == "" {
		return muster.Errorf(muster.Unauthorized, "no %s header: sign the body with HMAC-SHA256 under your shared secret (docs/FUND.md)", fund.SignatureHeader)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, fund.MaxNotificationBytes))
	if err != nil {
		return muster.Errorf(muster.Invalid, "notification: body is larger than %d bytes", fund.MaxNotificationBytes)
	}
	if !s.fundSecrets.Verify(provider, body, sig) {
		return muster.Errorf(muster.Unauthorized, "the signature does not verify for provider %q", provider)
	}
	c, err := fund.ParseNotification(provider, body, s.now())
	if err != nil {
		return err
	}
	rec, err := fs.RecordContribution(r.Context(), c, "webhook:"+provider)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookAnswer{Transfer: rec.Transfer.ID, Amount: rec.Transfer.Amount, Currency: rec.Transfer.Currency,
		CompletedAt: rec.Transfer.At.UTC(), LogIndex: rec.LogIndex})
	return nil
}

// fundReports keeps the latest report computed (see report.Cache): the
// public report must not cost a full aggregation per visitor.
var fundReports report.Cache

// fundReport returns the report at the latest checkpoint, signing one
// first when the server holds the log key and the log has grown.
func (s *Server) fundReport(ctx context.Context) (fund.Report, error) {
	fs, err := s.fundDB()
	if err != nil {
		return fund.Report{}, err
	}
	if s.logSigner != nil {
		if _, err := s.store.SignCheckpoint(ctx, s.logSigner); err != nil {
			return fund.Report{}, err
		}
	}
	cp, err := fs.FundCheckpoint(ctx)
	if err != nil {
		return fund.Report{}, err
	}
	return fundReports.Get(fs, cp, time.Now(), func() (fund.Report, error) { return fs.FundReport(ctx, cp) })
}

func (s *Server) fundReportHTML(w http.ResponseWriter, r *http.Request, _ *caller) error {
	rep, err := s.fundReport(r.Context())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := report.HTML(&b, rep, report.Lang(r.URL.Query().Get("lang"))); err != nil {
		return muster.Wrap(muster.Internal, err, "rendering the fund report")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, err = w.Write(b.Bytes())
	return err
}

func (s *Server) fundReportCSV(w http.ResponseWriter, r *http.Request, _ *caller) error {
	rep, err := s.fundReport(r.Context())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := report.CSV(&b, rep); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="fund-report-`+strconv.FormatUint(rep.Checkpoint.Size, 10)+`.csv"`)
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, err = w.Write(b.Bytes())
	return err
}

func (s *Server) fundReportJSON(w http.ResponseWriter, r *http.Request, _ *caller) error {
	rep, err := s.fundReport(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// fundSchemas adds the schemas of the fund's routes to s.
func fundSchemas(s obj) {
	amount := obj{"type": "integer", "exclusiveMinimum": 0, "description": "in " + fund.Currency}
	id := obj{"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$",
		"description": "your key for this use case (sending it again is a retry); derived from the Idempotency-Key when absent"}
	channel := enum(fund.Channels)
	programme := obj{"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,47}$", "description": "a programme's slug"}
	memo := obj{"type": "string", "maxLength": ledger.MaxMemoLen, "description": "public: no personal data"}
	request := func(required []string, props obj) obj {
		return obj{"type": "object", "additionalProperties": false, "required": required, "properties": props}
	}
	s["FundProgrammeRequest"] = request([]string{"slug", "name"}, obj{"slug": programme, "name": str("its public name")})
	s["FundProgramme"] = obj{"type": "object", "required": []string{"slug", "name", "balance"}, "properties": obj{
		"slug": programme, "name": str("its public name"), "balance": obj{"type": "integer", "description": "allocated − spent"}}}
	s["FundProgrammeList"] = obj{"type": "object", "required": []string{"items"}, "properties": obj{"items": obj{"type": "array", "items": ref("FundProgramme")}}}
	s["FundContributionRequest"] = request([]string{"channel", "amount"}, obj{"id": id, "channel": channel, "amount": amount,
		"at":          obj{"type": "string", "format": "date-time", "description": "when it was received; now when absent"},
		"contributor": obj{"type": "string", "maxLength": ledger.MaxNameLen, "description": "only if the contributor chose to be named on the public report"}})
	s["FundAllocationRequest"] = request([]string{"programme", "amount"}, obj{"id": id, "programme": programme, "amount": amount, "memo": memo})
	s["FundSpendingRequest"] = request([]string{"programme", "channel", "amount", "memo"}, obj{"id": id, "programme": programme, "channel": channel, "amount": amount, "memo": memo})
	s["FundMovementRequest"] = request([]string{"from", "to", "amount"}, obj{"id": id, "from": channel, "to": channel, "amount": amount, "memo": memo})
	s["FundUndoRequest"] = request([]string{"transfer", "why"}, obj{"transfer": str("id of a transfer of the use case to undo"), "why": memo})
	s["FundPaymentRequest"] = request([]string{"order", "channel"}, obj{"id": id, "order": str("the order's code or id"), "channel": channel,
		"amount":    obj{"type": "integer", "minimum": 0, "description": "absent: what is outstanding"},
		"reference": str("the payout's reference (no personal data)")})
	s["LedgerTransfer"] = obj{"type": "object", "required": []string{"id", "debit", "credit", "amount", "currency", "at"}, "properties": obj{
		"id": str("transfer id"), "debit": str("account debited"), "credit": str("account credited"), "amount": amount,
		"currency": str("ISO 4217"), "at": obj{"type": "string", "format": "date-time"}, "memo": memo,
		"linked": str("the group of transfers made together"), "reverses": str("the transfer this one undoes")}}
	transfers := obj{"type": "array", "items": ref("LedgerTransfer")}
	s["FundResult"] = obj{"type": "object", "required": []string{"transfers", "replayed"}, "properties": obj{
		"transfers": transfers, "replayed": obj{"type": "boolean", "description": "true when all were recorded already"}}}
	s["FundContribution"] = obj{"type": "object", "required": []string{"transfer", "channel", "log_index"}, "properties": obj{
		"transfer": ref("LedgerTransfer"), "channel": channel, "provider": str("mobile-money provider"),
		"provider_tx": str("the provider's transaction id"), "contributor": str("the name, if the contributor chose to be named"),
		"log_index": obj{"type": "integer", "minimum": 0, "description": "transparency-log index of its transfer"}}}
	s["FundPayable"] = obj{"type": "object", "required": []string{"order", "code", "state", "owed", "paid", "outstanding", "settled", "payments"},
		"properties": obj{"order": str("order id"), "code": str("order code"), "state": enum(order.States),
			"owed": obj{"type": "integer"}, "paid": obj{"type": "integer"}, "outstanding": obj{"type": "integer"},
			"settled": obj{"type": "boolean"}, "payments": transfers}}
}
