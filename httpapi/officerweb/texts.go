package officerweb

import (
	"fmt"
	"net/http"
	"slices"
)

// lang is a language of the UI: French, the default, or English.
type lang string

const (
	fr lang = "fr"
	en lang = "en"
)

var langs = []lang{fr, en}

// langNames are the languages' names in themselves, for the switch.
var langNames = map[lang]string{fr: "Français", en: "English"}

// langCookie remembers the language an officer picked, for a year.
const langCookie = "muster_lang"

// language picks the request's language: ?lang= first (remembered in the
// cookie), then the cookie, then French.
func (h *Handler) language(w http.ResponseWriter, r *http.Request) lang {
	if asked := lang(r.URL.Query().Get("lang")); slices.Contains(langs, asked) {
		if c, err := r.Cookie(langCookie); err != nil || c.Value != string(asked) {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(asked), Path: Prefix, MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		}
		return asked
	}
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(langs, lang(c.Value)) {
		return lang(c.Value)
	}
	return fr
}

// text names a message of the catalog. Templates name them by their
// string value ({{.T "open_needs"}}); a test checks that every name a
// template or the code uses is in every language.
type text string

// The texts the code names by constant.
const (
	txtLoginTitle   text = "login_title"
	txtLoginWrong   text = "login_wrong"
	txtLoginMissing text = "login_missing"
	txtLoginLimited text = "login_limited"
	txtErrInternal  text = "err_internal"
	txtErrInvalid   text = "err_invalid"
	txtErrNotFound  text = "err_not_found"
	txtErrConflict  text = "err_conflict"
	txtErrForbidden text = "err_forbidden"
	txtErrCSRF      text = "err_csrf"
)

// doneTexts are the notices a redirect after a form may ask for.
var doneTexts = map[text]bool{"done_filed": true, "done_cancelled": true, "done_proposed": true, "done_accepted": true,
	"done_rejected": true, "done_drafted": true, "done_approved": true,
	"done_notify": true, "done_fulfil": true, "done_return": true, "done_release": true, "done_exempt": true, "done_defer": true,
	"done_reject_claim": true, "done_uphold": true, "done_dismiss": true, "done_cancel": true}

// t returns text k in l (in French when l lacks it; a test keeps both
// complete), formatted with args.
func t(l lang, k text, args ...any) string {
	s, ok := texts[l][k]
	if !ok {
		s, ok = texts[fr][k]
	}
	if !ok {
		return string(k)
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func hasText(k text) bool { _, ok := texts[fr][k]; return ok }

// stateName names an order state.
func stateName(l lang, s string) string {
	if s == "" {
		return "–"
	}
	return t(l, text("state_"+s))
}

// allTexts lists every text of the catalog, for the tests.
var allTexts = func() []text {
	var out []text
	for k := range texts[fr] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}()

// texts is the catalog: the texts of the first pages and those of the
// registry, claims and handovers (texts_work.go).
var texts = merge(coreTexts, workTexts)

// merge joins catalogs; a text in two of them is a mistake a test finds.
func merge(catalogs ...map[lang]map[text]string) map[lang]map[text]string {
	out := map[lang]map[text]string{}
	for _, c := range catalogs {
		for l, m := range c {
			if out[l] == nil {
				out[l] = map[text]string{}
			}
			for k, v := range m {
				out[l][k] = v
			}
		}
	}
	return out
}

var coreTexts = map[lang]map[text]string{
	fr: {
		"brand_sub": "mobilisation · agents", "language": "Langue", "sections": "Rubriques", "logout": "Se déconnecter",
		"footer":    "Chaque consultation de données personnelles est enregistrée. Toute modification d'un ordre est publiée dans le journal de transparence.",
		"back_home": "Retour au tableau de bord",

		txtLoginTitle: "Connexion des agents", "login_name": "Identifiant", "login_password": "Mot de passe",
		"login_button": "Se connecter", "login_hint": "Votre identifiant vous est remis par l'administrateur. Trop d'essais bloquent la connexion quelques minutes.",
		txtLoginWrong: "Identifiant ou mot de passe incorrect.", txtLoginMissing: "Saisissez l'identifiant et le mot de passe.",
		txtLoginLimited: "Trop d'essais depuis cette adresse. Réessayez dans quelques minutes.",

		txtErrInternal: "Erreur interne", txtErrInvalid: "Demande invalide", txtErrNotFound: "Introuvable",
		txtErrConflict: "Impossible dans l'état actuel", txtErrForbidden: "Accès refusé",
		txtErrCSRF: "Formulaire expiré : rechargez la page et recommencez",

		"nav_dashboard": "Tableau de bord", "nav_needs": "Besoins", "nav_proposals": "Propositions", "nav_approvals": "Approbations",
		"nav_orders": "Ordres", "nav_claims": "Réclamations", "nav_registry": "Registre",

		"role_admin": "administrateur", "role_registrar": "greffier du registre", "role_requester": "unité demandeuse",
		"role_officer": "officier de mobilisation", "role_approver": "approbateur", "role_reviewer": "commission de recours",
		"role_treasurer": "trésorier", "role_auditor": "auditeur",

		"dashboard_title": "Situation de la mobilisation", "open_needs": "besoins ouverts", "fill_rate": "taux de couverture",
		"drafts_waiting": "ordres à approuver", "overdue": "réponses en retard", "claims_appeals": "réclamations et recours en attente",
		"force_shortfall": "manque d'effectifs", "incidents_since": "incidents depuis le %s", "incidents": "incidents",
		"fatalities": "morts", "orders": "ordres", "map_title": "%s : besoins et incidents",
		"map_caption": "Couleur : taux de couverture des besoins. Cercles rouges : incidents des 12 dernières semaines, surface selon le nombre de morts.",
		"by_level":    "Par %s", "level_country": "pays", "level_region": "région", "level_department": "département", "level_area": "zone",
		"filled_needs": "besoins couverts", "col_needs": "Besoins", "col_answers": "Réponses",
		"col_incidents": "Incidents", "col_open": "ouverts", "col_filled": "couverts", "col_rate": "taux",
		"col_late": "en retard", "col_events": "nombre", "col_claims": "réclam.", "claims": "réclamations", "appeals": "recours", "total": "Total",
		"orders_by_state": "Ordres par état", "no_orders": "Aucun ordre.", "download": "Télécharger",
		"forces": "Objectifs d'effectifs", "force": "Force", "target": "objectif", "strength": "effectif", "pending": "en cours",
		"shortfall": "manque", "no_forces": "Aucun objectif d'effectifs.", "incidents_weekly": "Incidents par semaine",
		"chart_title": "Incidents et morts, %d dernières semaines", "chart_y": "nombre",
		"incident_title": "%s %s, %s : %d morts",

		"needs_title": "Besoins", "need_title": "Besoin %s", "need_new_title": "Déposer un besoin", "state": "État", "all": "tous",
		"area": "Zone", "filter": "Filtrer", "need": "Besoin", "unit": "Unité demandeuse", "what": "Demande", "quantity": "Quantité",
		"filled": "Couvert", "deadline": "Échéance", "priority": "Priorité", "priority_short": "Prio.", "no_needs": "Aucun besoin.",
		"first_page": "« Première page", "next_page": "Page suivante »", "need_open": "ouvert", "need_filled": "couvert",
		"need_cancelled": "annulé", "persons_skill": "personnes : %s", "justification": "Justification", "legal_basis": "Base légale",
		"filed_by": "Déposé par", "cancel_need": "Annuler ce besoin", "back_needs": "Retour aux besoins",
		"form_errors": "Le besoin n'est pas déposé : corrigez les champs signalés.", "need_id": "Référence du besoin",
		"need_id_hint": "Proposée automatiquement ; vous pouvez la remplacer par la vôtre (lettres, chiffres, . - _).",
		"a_person":     "— des personnes (compétence) —", "any_type": "tout type", "skill": "ou compétence",
		"what_hint": "Un type de ressource, ou « des personnes » et une compétence (driver, nurse…).", "quantity_hint": "En unités, litres ou kilogrammes.",
		"point": "Position précise (facultatif)", "latitude": "latitude", "longitude": "longitude",
		"point_hint": "En degrés décimaux, par exemple 13,51 et 2,11. Sinon le centre de la zone.",
		"priority_1": "routine", "priority_2": "basse", "priority_3": "normale", "priority_4": "haute", "priority_5": "critique",
		"unit_hint": "Par exemple : 3e bataillon, Protection civile de Dosso.", "legal_basis_hint": "Le texte qui fonde la demande, par exemple : Décret n° 2026-114, art. 3.",
		"file_need":      "Déposer le besoin",
		"err_need_id":    "Référence invalide : 2 à 40 lettres, chiffres, « . », « - » ou « _ ».",
		"err_need_taken": "Cette référence désigne déjà un besoin qui ne peut plus être modifié : choisissez-en une autre.",
		"err_unit":       "Indiquez l'unité demandeuse (1 à 100 caractères).",
		"err_type":       "Choisissez un type de ressource, ou des personnes avec une compétence (lettres minuscules), pas les deux.",
		"err_skill":      "Compétence invalide : lettres minuscules, chiffres, « _ », « . » ou « - ».",
		"err_quantity":   "Quantité invalide : un nombre supérieur à 0, entier pour des personnes ou des objets comptés à l'unité.",
		"err_area":       "Choisissez une zone.", "err_area_unknown": "Zone inconnue.", "err_area_outside": "Cette zone est hors de votre ressort.",
		"err_point":    "Position invalide : latitude entre -90 et 90, longitude entre -180 et 180, en degrés décimaux.",
		"err_deadline": "Échéance invalide : une date et une heure à venir.", "err_priority": "Choisissez une priorité de 1 à 5.",
		"err_justification": "Expliquez pourquoi (1 à 1 000 caractères).", "err_legal_basis": "Citez la base légale (1 à 500 caractères).",

		"proposals_title": "Propositions d'affectation", "proposal_new_title": "Lancer une affectation", "proposal_title": "Proposition %s",
		"proposal": "Proposition", "created": "Créée", "by": "Par", "scope": "Périmètre", "needs": "Besoins", "candidates": "Candidats",
		"total_cost": "Coût total", "policy": "Politique", "no_proposals": "Aucune proposition dans votre ressort.",
		"allocate_intro": "L'affectation lit les besoins ouverts du périmètre et le registre que la politique en vigueur permet de mobiliser, puis propose les candidats les plus proches en répartissant la charge. Rien n'est ordonné : vous examinez chaque ligne.",
		"need_ids":       "Seulement ces besoins (facultatif)", "need_ids_hint": "Références séparées par des virgules ou des espaces ; vide : tous les besoins ouverts du périmètre.",
		"weights": "Réglages", "burden_weight": "Poids de la charge (km)", "burden_hint": "Distance que vaut chaque unité de plus prise à un même propriétaire.",
		"fairness_weight": "Poids de l'équité (km)", "fairness_hint": "Distance que vaut chaque unité déjà donnée par un propriétaire.",
		"max_distance": "Distance maximale (km)", "max_distance_hint": "Vide : sans limite.", "run_allocation": "Lancer l'affectation",
		"err_scope": "Choisissez un périmètre dans votre ressort.", "err_weights": "Réglages invalides : des nombres positifs.",
		"err_need_ids": "Références de besoins invalides.", "err_no_open_need": "Aucun besoin ouvert ne correspond dans ce périmètre.",
		"proposal_meta": "Calculée par %s le %s, périmètre %s, politique %s.", "lines": "lignes", "lines_title": "Lignes proposées", "line_pending": "à examiner",
		"line_accepted": "acceptée", "line_rejected": "rejetée", "line_drafted": "ordre rédigé", "shortfalls": "manques",
		"shortfalls_title": "Besoins non couverts", "missing": "Manque", "reason": "Raison",
		"reason_no_candidate": "aucun candidat de ce type n'est disponible", "reason_out_of_range": "candidats trop éloignés",
		"reason_supply_exhausted": "ressources à portée épuisées (prises par des besoins de priorité égale ou supérieure)",
		"excluded":                "Écartés par la politique : %d de structures protégées, %d de types protégés, %d à la limite de leur propriétaire, %d personnes non mobilisables, %d sans position.",
		"authority":               "Autorité émettrice", "draft_orders": "Rédiger les ordres des lignes acceptées (%d)",
		"draft_hint": "Un autre agent les approuve ensuite (règle des deux personnes).", "no_authority": "Aucune autorité émettrice ne couvre ce périmètre.",
		"all_pending": "Lignes à examiner : %d.", "accept_all": "Tout accepter", "reject_all": "Tout rejeter", "select": "Choisir",
		"candidate": "Candidat", "owner": "Propriétaire", "type": "Type", "burden": "Charge", "fairness": "Équité", "cost": "Coût",
		"line_n": "ligne %d", "order": "Ordre", "accept_selected": "Accepter les lignes cochées", "reject_selected": "Rejeter les lignes cochées",
		"pages": "Pages", "err_no_line": "Cochez au moins une ligne.", "err_line_decided": "Une des lignes cochées a déjà été examinée : voici l'état actuel.",
		"err_authority": "Choisissez une autorité émettrice qui couvre le périmètre.", "err_nothing_to_draft": "Aucune ligne acceptée ne reste à rédiger.",
		"done_proposed": "Proposition calculée : %s lignes.", "done_accepted": "Lignes acceptées : %s.", "done_rejected": "Lignes rejetées : %s.",
		"done_drafted": "Ordres rédigés : %s. Ils attendent l'approbation d'un autre agent.", "done_filed": "Besoin %s déposé.",
		"done_cancelled": "Besoin %s annulé.", "done_approved": "Ordres approuvés, signés et émis : %s.",

		"approvals_title": "Ordres à approuver",
		"approvals_intro": "Approuver un ordre le signe, l'inscrit au journal de transparence et l'émet. Vous n'approuvez jamais vos propres brouillons.",
		"mine_count":      "Brouillons rédigés par vous : %d. Un autre agent les approuve.", "kind": "Nature", "addressee": "Destinataire",
		"items": "Objet", "drafted_by": "Rédigé par", "drafted_by_you": "rédigé par vous : un autre agent approuve",
		"approve_n": "approuver %s", "approve_selected": "Approuver les ordres cochés", "approve_hint": "Ils sont signés et émis aussitôt.",
		"no_drafts": "Aucun ordre à approuver.", "err_no_order": "Cochez au moins un ordre.",
		"err_order_gone": "Un des ordres cochés n'est plus à approuver : voici la liste à jour.",
		"err_own_draft":  "Vous avez rédigé l'ordre %s : un autre agent doit l'approuver.", "err_approve": "L'ordre %s ne peut pas être approuvé dans son état actuel.",
		"person_ref": "personne %s", "org_ref": "organisation %s", "kind_call_up": "appel", "kind_requisition": "réquisition",

		"orders_title": "Ordres", "order_title": "Ordre %s", "late": "en retard", "expired": "échéance passée", "place": "Lieu", "reason_field": "Motif",
		"approved_by": "Approuvé par", "code": "Code", "key": "Clé de signature", "pdf": "PDF à imprimer", "history": "Historique",
		"event": "Événement", "actor": "Acteur", "at": "Date", "leaf": "Feuille", "note": "Note",
		"read_logged": "cette consultation est enregistrée",
		"proof_title": "Preuve d'inscription au journal", "proof_ok": "Vérifiée : la feuille %d est incluse dans l'arbre de %d feuilles du dernier point de contrôle signé.",
		"proof_details": "Détails de la preuve", "checkpoint": "Point de contrôle (note signée C2SP)", "proof_hashes": "Preuve d'inclusion (RFC 6962, base64)",
		"proof_hint":        "Chacun peut vérifier : GET /log/leaf/%d, puis GET /log/proof/inclusion?index=%[1]d&size=%d, avec la clé publique du journal.",
		"proof_unavailable": "La preuve n'est pas disponible pour l'instant (aucun point de contrôle signé ne couvre encore cet ordre).",
		"qr_text":           "Texte du code QR", "qr_hint": "Ce texte signé (COSE, Base45) est celui du code QR imprimé ; muster verify le vérifie hors ligne.",
		"back_orders": "Retour aux ordres",

		"state_draft": "brouillon", "state_approved": "approuvé", "state_issued": "émis", "state_notified": "notifié",
		"state_acknowledged": "accusé de réception", "state_fulfilled": "exécuté", "state_returned": "restitué", "state_released": "libéré",
		"state_compensated": "indemnisé", "state_closed": "clos", "state_claimed": "réclamation", "state_exempted": "exempté",
		"state_deferred": "reporté", "state_claim_rejected": "réclamation rejetée", "state_appealed": "recours", "state_upheld": "recours accueilli",
		"state_dismissed": "recours rejeté", "state_cancelled": "annulé",

		"event_draft": "rédaction", "event_approve": "approbation", "event_issue": "émission", "event_notify": "notification",
		"event_acknowledge": "accusé de réception", "event_fulfil": "exécution", "event_return": "restitution", "event_release": "libération",
		"event_compensate": "indemnisation", "event_close": "clôture", "event_claim": "réclamation", "event_exempt": "exemption",
		"event_defer": "report", "event_reject_claim": "rejet de la réclamation", "event_appeal": "recours", "event_uphold": "recours accueilli",
		"event_dismiss": "recours rejeté", "event_cancel": "annulation",
	},
	en: {
		"brand_sub": "mobilization · officers", "language": "Language", "sections": "Sections", "logout": "Log out",
		"footer":    "Every read of personal data is recorded. Every change to an order is published in the transparency log.",
		"back_home": "Back to the dashboard",

		txtLoginTitle: "Officers' login", "login_name": "User name", "login_password": "Password",
		"login_button": "Log in", "login_hint": "Your user name is given by the administrator. Too many attempts block logging in for a few minutes.",
		txtLoginWrong: "Wrong user name or password.", txtLoginMissing: "Enter the user name and the password.",
		txtLoginLimited: "Too many attempts from this address. Try again in a few minutes.",

		txtErrInternal: "Internal error", txtErrInvalid: "Invalid request", txtErrNotFound: "Not found",
		txtErrConflict: "Not possible in the current state", txtErrForbidden: "Access refused",
		txtErrCSRF: "The form has expired: reload the page and try again",

		"nav_dashboard": "Dashboard", "nav_needs": "Needs", "nav_proposals": "Proposals", "nav_approvals": "Approvals",
		"nav_orders": "Orders", "nav_claims": "Claims", "nav_registry": "Registry",

		"role_admin": "administrator", "role_registrar": "registrar", "role_requester": "requesting unit",
		"role_officer": "mobilization officer", "role_approver": "approver", "role_reviewer": "review board",
		"role_treasurer": "treasurer", "role_auditor": "auditor",

		"dashboard_title": "State of the mobilization", "open_needs": "open needs", "fill_rate": "fill rate",
		"drafts_waiting": "orders to approve", "overdue": "overdue answers", "claims_appeals": "claims and appeals waiting",
		"force_shortfall": "strength shortfall", "incidents_since": "incidents since %s", "incidents": "incidents",
		"fatalities": "fatalities", "orders": "orders", "map_title": "%s: needs and incidents",
		"map_caption": "Colour: fill rate of the needs. Red circles: incidents of the last 12 weeks, area by fatalities.",
		"by_level":    "By %s", "level_country": "country", "level_region": "region", "level_department": "department", "level_area": "area",
		"filled_needs": "filled needs", "col_needs": "Needs", "col_answers": "Answers",
		"col_incidents": "Incidents", "col_open": "open", "col_filled": "filled", "col_rate": "fill rate",
		"col_late": "overdue", "col_events": "count", "col_claims": "claims", "claims": "claims", "appeals": "appeals", "total": "Total",
		"orders_by_state": "Orders by state", "no_orders": "No orders.", "download": "Download",
		"forces": "Force targets", "force": "Force", "target": "target", "strength": "strength", "pending": "pending",
		"shortfall": "shortfall", "no_forces": "No force targets.", "incidents_weekly": "Incidents by week",
		"chart_title": "Incidents and fatalities, last %d weeks", "chart_y": "count",
		"incident_title": "%s %s, %s: %d fatalities",

		"needs_title": "Needs", "need_title": "Need %s", "need_new_title": "File a need", "state": "State", "all": "all",
		"area": "Area", "filter": "Filter", "need": "Need", "unit": "Requesting unit", "what": "Asked for", "quantity": "Quantity",
		"filled": "Filled", "deadline": "Deadline", "priority": "Priority", "priority_short": "Prio.", "no_needs": "No needs.",
		"first_page": "« First page", "next_page": "Next page »", "need_open": "open", "need_filled": "filled",
		"need_cancelled": "cancelled", "persons_skill": "persons: %s", "justification": "Justification", "legal_basis": "Legal basis",
		"filed_by": "Filed by", "cancel_need": "Cancel this need", "back_needs": "Back to the needs",
		"form_errors": "The need is not filed: correct the fields marked.", "need_id": "Need reference",
		"need_id_hint": "Suggested; you may replace it with your own (letters, digits, . - _).",
		"a_person":     "— persons (skill) —", "any_type": "any type", "skill": "or skill",
		"what_hint": "A resource type, or “persons” and a skill (driver, nurse…).", "quantity_hint": "In items, litres or kilograms.",
		"point": "Exact position (optional)", "latitude": "latitude", "longitude": "longitude",
		"point_hint": "In decimal degrees, for example 13.51 and 2.11. Otherwise the area's centre.",
		"priority_1": "routine", "priority_2": "low", "priority_3": "normal", "priority_4": "high", "priority_5": "critical",
		"unit_hint": "For example: 3rd battalion, Dosso civil protection.", "legal_basis_hint": "The text the request rests on, for example: Decree 2026-114, art. 3.",
		"file_need":      "File the need",
		"err_need_id":    "Invalid reference: 2 to 40 letters, digits, '.', '-' or '_'.",
		"err_need_taken": "This reference names a need that can no longer be changed: choose another.",
		"err_unit":       "Give the requesting unit (1 to 100 characters).",
		"err_type":       "Choose a resource type, or persons with a skill (lower-case letters), not both.",
		"err_skill":      "Invalid skill: lower-case letters, digits, '_', '.' or '-'.",
		"err_quantity":   "Invalid quantity: a number above 0, whole for persons and for items counted one by one.",
		"err_area":       "Choose an area.", "err_area_unknown": "Unknown area.", "err_area_outside": "This area is outside your jurisdiction.",
		"err_point":    "Invalid position: latitude from -90 to 90, longitude from -180 to 180, in decimal degrees.",
		"err_deadline": "Invalid deadline: a date and time to come.", "err_priority": "Choose a priority from 1 to 5.",
		"err_justification": "Say why (1 to 1,000 characters).", "err_legal_basis": "Cite the legal basis (1 to 500 characters).",

		"proposals_title": "Allocation proposals", "proposal_new_title": "Run an allocation", "proposal_title": "Proposal %s",
		"proposal": "Proposal", "created": "Created", "by": "By", "scope": "Scope", "needs": "Needs", "candidates": "Candidates",
		"total_cost": "Total cost", "policy": "Policy", "no_proposals": "No proposals in your jurisdiction.",
		"allocate_intro": "Allocation reads the scope's open needs and the registry the policy in force allows, then proposes the nearest candidates while spreading the burden. Nothing is ordered: you review each line.",
		"need_ids":       "Only these needs (optional)", "need_ids_hint": "References separated by commas or spaces; empty: every open need of the scope.",
		"weights": "Settings", "burden_weight": "Burden weight (km)", "burden_hint": "Distance each further unit taken from one owner is worth.",
		"fairness_weight": "Fairness weight (km)", "fairness_hint": "Distance each unit an owner gave before is worth.",
		"max_distance": "Maximum distance (km)", "max_distance_hint": "Empty: no limit.", "run_allocation": "Run the allocation",
		"err_scope": "Choose a scope within your jurisdiction.", "err_weights": "Invalid settings: positive numbers.",
		"err_need_ids": "Invalid need references.", "err_no_open_need": "No open need matches in this scope.",
		"proposal_meta": "Computed by %s on %s, scope %s, policy %s.", "lines": "lines", "lines_title": "Proposed lines", "line_pending": "to review",
		"line_accepted": "accepted", "line_rejected": "rejected", "line_drafted": "order drafted", "shortfalls": "shortfalls",
		"shortfalls_title": "Needs not covered", "missing": "Missing", "reason": "Reason",
		"reason_no_candidate": "no candidate of this type is available", "reason_out_of_range": "candidates too far",
		"reason_supply_exhausted": "supply in range exhausted (taken by needs of equal or higher priority)",
		"excluded":                "Left out by policy: %d of protected organisations, %d of protected types, %d at their owner's limit, %d persons not liable, %d without a location.",
		"authority":               "Issuing authority", "draft_orders": "Draft the orders of the accepted lines (%d)",
		"draft_hint": "Another officer then approves them (two-person rule).", "no_authority": "No issuing authority covers this scope.",
		"all_pending": "Lines to review: %d.", "accept_all": "Accept all", "reject_all": "Reject all", "select": "Select",
		"candidate": "Candidate", "owner": "Owner", "type": "Type", "burden": "Burden", "fairness": "Fairness", "cost": "Cost",
		"line_n": "line %d", "order": "Order", "accept_selected": "Accept the lines ticked", "reject_selected": "Reject the lines ticked",
		"pages": "Pages", "err_no_line": "Tick at least one line.", "err_line_decided": "One of the lines ticked was already reviewed: here is the current state.",
		"err_authority": "Choose an issuing authority that covers the scope.", "err_nothing_to_draft": "No accepted line is left to draft.",
		"done_proposed": "Proposal computed: %s lines.", "done_accepted": "Lines accepted: %s.", "done_rejected": "Lines rejected: %s.",
		"done_drafted": "Orders drafted: %s. They await another officer's approval.", "done_filed": "Need %s filed.",
		"done_cancelled": "Need %s cancelled.", "done_approved": "Orders approved, signed and issued: %s.",

		"approvals_title": "Orders to approve",
		"approvals_intro": "Approving an order signs it, writes it to the transparency log and issues it. You never approve your own drafts.",
		"mine_count":      "Drafts of yours: %d. Another officer approves them.", "kind": "Kind", "addressee": "Addressee",
		"items": "What", "drafted_by": "Drafted by", "drafted_by_you": "drafted by you: another officer approves",
		"approve_n": "approve %s", "approve_selected": "Approve the orders ticked", "approve_hint": "They are signed and issued at once.",
		"no_drafts": "No orders to approve.", "err_no_order": "Tick at least one order.",
		"err_order_gone": "One of the orders ticked is no longer to approve: here is the list as it is now.",
		"err_own_draft":  "You drafted order %s: another officer must approve it.", "err_approve": "Order %s cannot be approved in its current state.",
		"person_ref": "person %s", "org_ref": "organisation %s", "kind_call_up": "call-up", "kind_requisition": "requisition",

		"orders_title": "Orders", "order_title": "Order %s", "late": "overdue", "expired": "deadline passed", "place": "Place", "reason_field": "Reason",
		"approved_by": "Approved by", "code": "Code", "key": "Signing key", "pdf": "PDF to print", "history": "History",
		"event": "Event", "actor": "Actor", "at": "Date", "leaf": "Leaf", "note": "Note",
		"read_logged": "this read is recorded",
		"proof_title": "Proof of inclusion in the log", "proof_ok": "Verified: leaf %d is included in the tree of %d leaves of the latest signed checkpoint.",
		"proof_details": "Details of the proof", "checkpoint": "Checkpoint (C2SP signed note)", "proof_hashes": "Inclusion proof (RFC 6962, base64)",
		"proof_hint":        "Anyone can check: GET /log/leaf/%d, then GET /log/proof/inclusion?index=%[1]d&size=%d, with the log's public key.",
		"proof_unavailable": "The proof is not available yet (no signed checkpoint covers this order yet).",
		"qr_text":           "QR code text", "qr_hint": "This signed text (COSE, Base45) is the printed QR code's; muster verify checks it offline.",
		"back_orders": "Back to the orders",

		"state_draft": "draft", "state_approved": "approved", "state_issued": "issued", "state_notified": "notified",
		"state_acknowledged": "acknowledged", "state_fulfilled": "fulfilled", "state_returned": "returned", "state_released": "released",
		"state_compensated": "compensated", "state_closed": "closed", "state_claimed": "claimed", "state_exempted": "exempted",
		"state_deferred": "deferred", "state_claim_rejected": "claim rejected", "state_appealed": "appealed", "state_upheld": "appeal upheld",
		"state_dismissed": "appeal dismissed", "state_cancelled": "cancelled",

		"event_draft": "drafted", "event_approve": "approved", "event_issue": "issued", "event_notify": "notified",
		"event_acknowledge": "acknowledged", "event_fulfil": "fulfilled", "event_return": "returned", "event_release": "released",
		"event_compensate": "compensated", "event_close": "closed", "event_claim": "claim", "event_exempt": "exempted",
		"event_defer": "deferred", "event_reject_claim": "claim rejected", "event_appeal": "appeal", "event_uphold": "appeal upheld",
		"event_dismiss": "appeal dismissed", "event_cancel": "cancelled",
	},
}
