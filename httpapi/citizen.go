package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/httpapi/citizenweb"
	"github.com/muster-org/muster/sms"
	"github.com/muster-org/muster/ussd"
)

// SMSOutbox is what the SMS endpoints need of the outbox;
// *sqlstore.Outbox satisfies it.
type SMSOutbox interface {
	// QueueReply queues the answer to an inbound SMS.
	QueueReply(ctx context.Context, to, text string) (int64, error)
	// Stop records that a phone texted STOP.
	Stop(ctx context.Context, phone string) error
	// Delivered records a delivery report (sms.Outbox).
	Delivered(ctx context.Context, providerID string, d sms.Delivery, at time.Time) error
}

// maxCallback bounds a gateway's callback body: a USSD or SMS callback is
// a few hundred bytes of form.
const maxCallback = 16 << 10

// citizenChannels is what serves the citizen channels: the USSD menu, the
// SMS commands and delivery reports, and the citizen page.
type citizenChannels struct {
	service  citizen.Service // nil: every channel answers "unavailable"
	guard    *citizen.Guard
	ussd     *ussd.Handler
	pages    *citizenweb.Pages
	outbox   SMSOutbox
	ussdCode string
	secret   string // of the delivery report URLs; "" serves none
}

// newCitizenChannels builds the citizen channels from opts. Without a
// guard in opts it makes one with the default limits: a citizen endpoint
// must never run unlimited by omission.
func (s *Server) newCitizenChannels(opts Options) citizenChannels {
	guard := opts.CitizenGuard
	if guard == nil {
		g, err := citizen.NewGuard(citizen.DefaultConfig(), s.now)
		if err != nil {
			panic("httpapi: default citizen guard: " + err.Error()) // the defaults are constants
		}
		guard = g
	}
	key := opts.CitizenFormKey
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	}
	c := citizenChannels{service: opts.Citizen, guard: guard, outbox: opts.SMSOutbox, ussdCode: opts.USSDCode, secret: opts.SMSCallbackSecret}
	c.ussd = &ussd.Handler{Service: opts.Citizen, Guard: guard}
	c.pages = &citizenweb.Pages{Service: opts.Citizen, Guard: guard, FormKey: key, USSDCode: opts.USSDCode,
		ClientIP: s.clientIP, Now: s.now, Logger: s.log, PDF: opts.CitizenPDF}
	return c
}

// citizenRoutes lists the citizen channels. They are public: the USSD
// and SMS gateways cannot log in, the citizen page asks for the order's
// code and the addressee's birth date, and the delivery reports are
// reachable only at a secret URL, served only when one is configured.
func (s *Server) citizenRoutes() []route {
	page := func(h http.HandlerFunc) handler {
		return func(w http.ResponseWriter, r *http.Request, _ *caller) error { h(w, r); return nil }
	}
	routes := []route{
		{Route: Route{"POST", "/ussd", "", "USSD gateway callback (Africa's Talking): sessionId, serviceCode, phoneNumber, text; answers CON or END"},
			handle: s.serveUSSD},
		{Route: Route{"POST", "/sms/inbound", "", "Inbound SMS callback (Africa's Talking): from, text...; the answer is queued as an SMS"},
			handle: s.serveInboundSMS},
		{Route: Route{"GET", "/c", "", "Citizen page: open an order with its code and birth date, or check one"},
			handle: page(s.citizen.pages.Home)},
		{Route: Route{"GET", "/c/", "", "Citizen page: open an order with its code and birth date, or check one"},
			handle: page(s.citizen.pages.Home)},
		{Route: Route{"POST", "/c/", "", "Citizen page: the order, after its code and the addressee's birth date"},
			handle: page(s.citizen.pages.Lookup)},
		{Route: Route{"POST", "/c/act", "", "Citizen page: acknowledge, claim or appeal, from a signed order page"},
			handle: page(s.citizen.pages.Act)},
		{Route: Route{"POST", "/c/pdf", "", "Citizen page: the order's printable PDF, from a signed order page"},
			handle: page(s.citizen.pages.Download)},
		{Route: Route{"GET", "/c/verify", "", "Citizen page: whether an order with this code was issued"},
			handle: page(s.citizen.pages.Verify)},
	}
	if s.citizen.secret != "" {
		routes = append(routes,
			route{Route: Route{"POST", "/sms/delivery/{secret}", "", "Africa's Talking delivery report, at a secret URL"},
				handle: s.serveATDelivery, params: []param{pathParam("secret", "the configured callback secret")}},
			route{Route: Route{"POST", "/sms/courier/{secret}/{action}", "", "Courier gateway status (sent, delivered, failed), at a secret URL"},
				handle: s.serveCourierStatus, params: []param{pathParam("secret", "the configured callback secret"),
					pathParam("action", "sent, delivered or failed")}},
		)
	}
	return routes
}

// serveUSSD answers a USSD gateway callback. The gateway shows whatever
// it gets to the caller, so every answer, even to a malformed callback,
// is a 200 with a CON or END screen.
func (s *Server) serveUSSD(w http.ResponseWriter, r *http.Request, _ *caller) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxCallback)
	var reply string
	if err := r.ParseForm(); err != nil {
		reply = "END " + citizen.FoldGSM7(citizen.French.Text(citizen.MsgUnavailable))
	} else {
		reply = s.citizen.ussd.Handle(r.Context(), ussd.Request{SessionID: r.PostFormValue("sessionId"),
			ServiceCode: r.PostFormValue("serviceCode"), PhoneNumber: r.PostFormValue("phoneNumber"), Text: r.PostFormValue("text")})
	}
	writeText(w, reply)
	return nil
}

// serveInboundSMS answers an inbound SMS: the command is carried out at
// once and its answer queued in the outbox, which sends it like any other
// message (Africa's Talking ignores a callback's response body, so an
// answer in it would never reach the phone). A callback that names no
// phone to answer is acknowledged with 200 and its problem, and logged:
// the gateway would only send it again.
func (s *Server) serveInboundSMS(w http.ResponseWriter, r *http.Request, _ *caller) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxCallback)
	if err := r.ParseForm(); err != nil {
		return muster.Errorf(muster.Invalid, "inbound SMS: unreadable form: %v", err)
	}
	from := r.PostFormValue("from")
	if !strings.HasPrefix(from, "+") && from != "" {
		from = "+" + from // some gateways drop the plus of E.164
	}
	if !sms.ValidNumber(from) {
		s.log.WarnContext(r.Context(), "inbound SMS without a phone number to answer", "route", "/sms/inbound")
		writeText(w, "ignored: field from is not a phone number")
		return nil
	}
	reply := s.answerSMS(r.Context(), from, r.PostFormValue("text"))
	if s.citizen.outbox == nil {
		s.log.WarnContext(r.Context(), "inbound SMS: no outbox to queue the answer in")
		writeText(w, "ignored: no outbox")
		return nil
	}
	if _, err := s.citizen.outbox.QueueReply(r.Context(), from, reply); err != nil {
		return err // 500: the gateway sends the message again
	}
	writeText(w, "queued")
	return nil
}

// answerSMS carries out an inbound SMS command from phone and returns the
// answer, in the keyword's language; for words of every language (OK,
// STOP) and for unreadable texts, in the language the registry holds for
// the phone, else French.
func (s *Server) answerSMS(ctx context.Context, phone, text string) string {
	svc, guard := s.citizen.service, s.citizen.guard
	l := citizen.French
	if svc != nil {
		if known, ok := svc.PreferredLanguage(ctx, phone); ok {
			l = known
		}
	}
	cmd, err := citizen.ParseCommand(text)
	if err != nil {
		return l.Text(citizen.ReplyTo(err))
	}
	if cmd.Language != "" {
		l = cmd.Language
	}
	switch cmd.Kind {
	case citizen.CommandHelp:
		return l.Text(citizen.MsgSMSHelp, s.citizen.ussdCode)
	case citizen.CommandStop:
		if s.citizen.outbox == nil {
			return l.Text(citizen.MsgUnavailable)
		}
		if err := s.citizen.outbox.Stop(ctx, phone); err != nil {
			s.log.ErrorContext(ctx, "inbound SMS: recording STOP", "err", err)
			return l.Text(citizen.MsgUnavailable)
		}
		return l.Text(citizen.MsgSMSStopped, s.citizen.ussdCode)
	}
	if svc == nil {
		return l.Text(citizen.MsgUnavailable)
	}
	if cmd.Kind == citizen.CommandVerify {
		if err := guard.Allow(citizen.SMS, phone, cmd.Code); err != nil {
			return s.smsFailure(ctx, l, err)
		}
		v, err := svc.Verify(ctx, cmd.Code)
		if errors.Is(err, citizen.ErrNoMatch) {
			return l.Text(citizen.MsgVerifyUnknown)
		}
		if err != nil {
			return s.smsFailure(ctx, l, err)
		}
		return l.VerifyText(v)
	}
	var v citizen.OrderView
	err = guard.Attempt(citizen.SMS, phone, cmd.Code, func() error {
		var err error
		v, err = svc.Act(ctx, citizen.SMS, phone, cmd.Code, cmd.BirthDate, citizen.Acknowledge, "")
		return err
	})
	if err != nil {
		return s.smsFailure(ctx, l, err)
	}
	return l.Text(citizen.MsgSMSAcknowledged, citizen.NumericCode(v.Code), citizen.FormatDeadline(v.Deadline))
}

// smsFailure is the answer to a refused command.
func (s *Server) smsFailure(ctx context.Context, l citizen.Language, err error) string {
	switch {
	case errors.Is(err, citizen.ErrNoMatch):
		return l.Text(citizen.MsgNoMatch)
	case errors.Is(err, citizen.ErrLocked):
		return l.Text(citizen.MsgLocked)
	case errors.Is(err, citizen.ErrRateLimited):
		return l.Text(citizen.MsgRateLimited)
	case errors.Is(err, citizen.ErrNotAllowed):
		return l.Text(citizen.MsgNotAllowed)
	}
	s.log.ErrorContext(ctx, "inbound SMS", "err", err)
	return l.Text(citizen.MsgUnavailable)
}

// serveATDelivery records an Africa's Talking delivery report. The report
// is unsigned, so the URL's secret is what keeps forgers out; a wrong one
// gets the same 404 as a path that does not exist.
func (s *Server) serveATDelivery(w http.ResponseWriter, r *http.Request, _ *caller) error {
	if !s.callbackSecret(r) {
		return errNoRoute
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCallback)
	if err := r.ParseForm(); err != nil {
		return muster.Errorf(muster.Invalid, "delivery report: unreadable form: %v", err)
	}
	rep, err := sms.ParseATDeliveryReport(r.PostForm)
	if err != nil {
		return err
	}
	return s.recordDelivery(w, r, rep)
}

// serveCourierStatus records a courier gateway's status callback; the id
// may come in the query or the body.
func (s *Server) serveCourierStatus(w http.ResponseWriter, r *http.Request, _ *caller) error {
	if !s.callbackSecret(r) {
		return errNoRoute
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCallback)
	if err := r.ParseForm(); err != nil {
		return muster.Errorf(muster.Invalid, "courier status: unreadable form: %v", err)
	}
	rep, err := sms.ParseCourierStatus(r.PathValue("action"), r.Form)
	if err != nil {
		return err
	}
	return s.recordDelivery(w, r, rep)
}

func (s *Server) recordDelivery(w http.ResponseWriter, r *http.Request, rep sms.DeliveryReport) error {
	if s.citizen.outbox == nil {
		return muster.Errorf(muster.Internal, "delivery report: no outbox configured")
	}
	if err := s.citizen.outbox.Delivered(r.Context(), rep.ProviderID, rep.Delivery, s.now()); err != nil {
		return err
	}
	writeText(w, "ok")
	return nil
}

// callbackSecret reports whether the request's path holds the callback
// secret, comparing in constant time.
func (s *Server) callbackSecret(r *http.Request) bool {
	got := r.PathValue("secret")
	return s.citizen.secret != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.citizen.secret)) == 1
}

func writeText(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, body)
}
