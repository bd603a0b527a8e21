package officerweb

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/muster-org/muster"
	"github.com/muster-org/muster/allocate"
	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/auth"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/proposal"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// The proposals pages: an officer runs the allocator over a scope of
// their jurisdiction, reviews the proposal line by line, and drafts the
// orders of the accepted lines for another officer to approve.

// linesPerPage is the proposal lines one review page shows.
const linesPerPage = 100

type proposalsList struct {
	Proposals []sqlstore.StoredProposal
	AreaNames map[string]string
}

// listProposals lists the newest proposals of the user's jurisdiction.
func (h *Handler) listProposals(w http.ResponseWriter, r *http.Request, c *call) error {
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return err
	}
	proposals, err := h.store.ProposalsWithin(r.Context(), c.user.Area, pageSize)
	if err != nil {
		return err
	}
	v := proposalsList{Proposals: proposals, AreaNames: map[string]string{}}
	for _, p := range proposals {
		v.AreaNames[p.Scope] = areaName(tree, p.Scope)
	}
	h.render(w, r, c, http.StatusOK, "proposals", "proposals_title", v)
	return nil
}

// allocationForm is the "run allocation" form as typed.
type allocationForm struct {
	Scope, Needs, MaxDistance, Burden, Fairness string
	Problem                                     string
	Areas                                       []areaOption
}

func (h *Handler) proposalForm(w http.ResponseWriter, r *http.Request, c *call) error {
	f := allocationForm{Scope: c.user.Area, Needs: r.URL.Query().Get("needs"),
		Burden: strconv.Itoa(allocate.DefaultBurdenWeight), Fairness: strconv.Itoa(allocate.DefaultFairnessWeight)}
	if s := r.URL.Query().Get("scope"); s != "" {
		f.Scope = s
	}
	return h.renderAllocationForm(w, r, c, http.StatusOK, f)
}

func (h *Handler) renderAllocationForm(w http.ResponseWriter, r *http.Request, c *call, status int, f allocationForm) error {
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return err
	}
	f.Areas = areaOptions(tree, c.user.Area, 3, f.Scope)
	h.render(w, r, c, status, "proposal_new", "proposal_new_title", f)
	return nil
}

// runAllocation runs the allocator over the scope and stores its
// proposal, then shows it for review with what policy left out.
func (h *Handler) runAllocation(w http.ResponseWriter, r *http.Request, c *call) error {
	f := allocationForm{Scope: r.PostFormValue("scope"), Needs: strings.TrimSpace(r.PostFormValue("needs")),
		MaxDistance: strings.TrimSpace(r.PostFormValue("max_distance")), Burden: strings.TrimSpace(r.PostFormValue("burden")),
		Fairness: strings.TrimSpace(r.PostFormValue("fairness"))}
	fail := func(problem text) error {
		f.Problem = t(c.lang, problem)
		return h.renderAllocationForm(w, r, c, http.StatusBadRequest, f)
	}
	tree, err := h.areaTree(r.Context(), c)
	if err != nil {
		return err
	}
	if _, ok := tree.Get(f.Scope); !ok || !tree.Within(f.Scope, c.user.Area) {
		return fail("err_scope")
	}
	opt := allocate.Options{BurdenWeight: allocate.DefaultBurdenWeight, FairnessWeight: allocate.DefaultFairnessWeight}
	for _, p := range []struct {
		value string
		dst   *float64
	}{{f.Burden, &opt.BurdenWeight}, {f.Fairness, &opt.FairnessWeight}, {f.MaxDistance, &opt.MaxDistanceKm}} {
		if p.value == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(p.value, ",", "."), 64)
		if err != nil || v < 0 || v > 1e6 {
			return fail("err_weights")
		}
		*p.dst = v
	}
	var ids []string
	for _, id := range strings.FieldsFunc(f.Needs, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if !registry.ValidID(id) {
			return fail("err_need_ids")
		}
		ids = append(ids, id)
	}
	if len(ids) > 1000 {
		return fail("err_need_ids")
	}
	sp, excluded, err := h.store.Propose(r.Context(), f.Scope, ids, c.user.Name, opt)
	if muster.ErrorKind(err) == muster.NotFound {
		return fail("err_no_open_need")
	}
	if err != nil {
		return err
	}
	q := url.Values{"done": {"done_proposed"}, "arg": {strconv.Itoa(len(sp.Lines))}, "excluded": {formatExcluded(excluded)}}
	http.Redirect(w, r, "/o/proposals/"+url.PathEscape(sp.ID)+"?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// formatExcluded carries what policy left out to the review page in its
// URL: the proposal does not store it.
func formatExcluded(e proposal.Excluded) string {
	return strings.Join([]string{strconv.Itoa(e.ProtectedOrganisation), strconv.Itoa(e.ProtectedType), strconv.Itoa(e.OwnerLimit),
		strconv.Itoa(e.NotLiable), strconv.Itoa(e.NoLocation)}, ",")
}

func parseExcluded(s string) *proposal.Excluded {
	parts := strings.Split(s, ",")
	if len(parts) != 5 {
		return nil
	}
	n := make([]int, 5)
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return nil
		}
		n[i] = v
	}
	return &proposal.Excluded{ProtectedOrganisation: n[0], ProtectedType: n[1], OwnerLimit: n[2], NotLiable: n[3], NoLocation: n[4]}
}

// visibleProposal returns a proposal whose scope lies in the user's
// jurisdiction; any other is not found, like a record outside it.
func (h *Handler) visibleProposal(ctx context.Context, c *call, id string) (sqlstore.StoredProposal, *area.Tree, error) {
	sp, err := h.store.Proposal(ctx, id)
	if err != nil {
		return sp, nil, err
	}
	tree, err := h.areaTree(ctx, c)
	if err != nil {
		return sp, nil, err
	}
	if !tree.Within(sp.Scope, c.user.Area) {
		return sqlstore.StoredProposal{}, nil, muster.Errorf(muster.NotFound, "no proposal %s in your jurisdiction", id)
	}
	return sp, tree, nil
}

type proposalView struct {
	sqlstore.StoredProposal
	ScopeName   string
	Lines       []sqlstore.ProposalLine // this page's
	Counts      map[string]int
	Pending     int
	Page, Pages int
	PageLinks   []pageLink
	Excluded    *proposal.Excluded
	Authorities []sqlstore.Authority // those whose area covers the scope
	CanDraft    bool
}

type pageLink struct {
	N       int
	Href    string
	Current bool
}

func (h *Handler) showProposal(w http.ResponseWriter, r *http.Request, c *call) error {
	return h.renderProposal(w, r, c, http.StatusOK, "")
}

// renderProposal shows a proposal's page of lines, its shortfalls first,
// under a problem notice when one is given.
func (h *Handler) renderProposal(w http.ResponseWriter, r *http.Request, c *call, status int, problem text) error {
	sp, tree, err := h.visibleProposal(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := proposalView{StoredProposal: sp, ScopeName: areaName(tree, sp.Scope), Counts: map[string]int{},
		Excluded: parseExcluded(r.URL.Query().Get("excluded"))}
	for _, l := range sp.Lines {
		v.Counts[l.State]++
	}
	v.Pending = v.Counts[sqlstore.LinePending]
	v.Pages = max(1, (len(sp.Lines)+linesPerPage-1)/linesPerPage)
	v.Page = 1
	if p, err := strconv.Atoi(r.FormValue("page")); err == nil && p >= 1 && p <= v.Pages {
		v.Page = p
	}
	v.Lines = sp.Lines[min((v.Page-1)*linesPerPage, len(sp.Lines)):min(v.Page*linesPerPage, len(sp.Lines))]
	if v.Pages > 1 {
		for n := 1; n <= v.Pages; n++ {
			v.PageLinks = append(v.PageLinks, pageLink{N: n, Href: "/o/proposals/" + url.PathEscape(sp.ID) + "?page=" + strconv.Itoa(n), Current: n == v.Page})
		}
	}
	v.CanDraft = auth.Can(c.user.Role, auth.DraftOrders) && v.Counts[sqlstore.LineAccepted] > 0
	if v.CanDraft {
		all, err := h.store.Authorities(r.Context())
		if err != nil {
			return err
		}
		for _, a := range all {
			if tree.Within(sp.Scope, a.Area) {
				v.Authorities = append(v.Authorities, a)
			}
		}
	}
	pg := h.newPage(r, c, "proposal_title", v)
	pg.Title = t(c.lang, "proposal_title", sp.ID)
	if problem != "" {
		pg.Notice, pg.Error = t(c.lang, problem), true
	}
	h.renderPage(w, status, "proposal", pg)
	return nil
}

// decideLines accepts or rejects the lines ticked, or every pending line.
func (h *Handler) decideLines(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if _, _, err := h.visibleProposal(r.Context(), c, id); err != nil {
		return err
	}
	accept := r.PostFormValue("decision") == "accept"
	if !accept && r.PostFormValue("decision") != "reject" {
		return muster.Errorf(muster.Invalid, "decision: accept or reject")
	}
	var lines []int
	for _, v := range r.PostForm["line"] {
		n, err := strconv.Atoi(v)
		if err != nil {
			return muster.Errorf(muster.Invalid, "line %q is not a line number", v)
		}
		lines = append(lines, n)
	}
	// The store decides every pending line when given none: only the
	// "all pending" button may ask for that.
	if len(lines) == 0 && r.PostFormValue("all") != "pending" {
		return h.renderProposal(w, r, c, http.StatusBadRequest, "err_no_line")
	}
	sp, err := h.store.DecideLines(r.Context(), id, lines, accept, c.user.Name)
	if muster.ErrorKind(err) == muster.Conflict {
		return h.renderProposal(w, r, c, http.StatusConflict, "err_line_decided")
	}
	if err != nil {
		return err
	}
	n := len(lines)
	if n == 0 {
		for _, l := range sp.Lines {
			if l.DecidedBy == c.user.Name && (l.State == sqlstore.LineAccepted) == accept {
				n++
			}
		}
	}
	done := text("done_rejected")
	if accept {
		done = "done_accepted"
	}
	path := "/o/proposals/" + url.PathEscape(id)
	if p := r.PostFormValue("page"); p != "" && p != "1" {
		path += "?page=" + url.QueryEscape(p)
	}
	redirect(w, r, path, done, strconv.Itoa(n))
	return nil
}

// draftOrders drafts one order per accepted line in the name of the
// authority chosen, like `muster proposals orders --authority`.
func (h *Handler) draftOrders(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	sp, tree, err := h.visibleProposal(r.Context(), c, id)
	if err != nil {
		return err
	}
	code := r.PostFormValue("authority")
	all, err := h.store.Authorities(r.Context())
	if err != nil {
		return err
	}
	known := false
	for _, a := range all {
		known = known || a.Code == code && tree.Within(sp.Scope, a.Area)
	}
	if !known {
		return h.renderProposal(w, r, c, http.StatusBadRequest, "err_authority")
	}
	drafts, err := h.store.DraftProposalOrders(r.Context(), id, code, order.Actor{Role: c.user.Role, Name: c.user.Name})
	if muster.ErrorKind(err) == muster.Conflict {
		return h.renderProposal(w, r, c, http.StatusConflict, "err_nothing_to_draft")
	}
	if err != nil {
		return err
	}
	redirect(w, r, "/o/proposals/"+url.PathEscape(id), "done_drafted", strconv.Itoa(len(drafts)))
	return nil
}
