package report

import (
	"strings"

	"github.com/muster-org/muster/fund"
)

// Languages lists the languages the report is written in, the default
// first. Hausa and Zarma are still to be translated (by a translator, not
// a guess): until then a reader asking for them gets French.
var Languages = []string{"fr", "en"}

// messages are the report's words, by language.
var messages = map[string]map[string]string{
	"fr": {
		"title":             "Fonds national de mobilisation : rapport public",
		"intro":             "Ce que le fonds a reçu, où l'argent est allé, et les indemnisations dues et payées. Chaque mouvement est une feuille du journal de transparence ; ce rapport en est recalculé et ses totaux sont vérifiés ci-dessous.",
		"checkpoint":        "Calculé au point de contrôle du journal",
		"leaves":            "feuilles",
		"signed":            "signé",
		"unsigned":          "non signé (aucun point de contrôle signé)",
		"root":              "racine",
		"contributions":     "Contributions reçues",
		"allocated":         "Alloué aux programmes",
		"spent":             "Dépensé par les programmes",
		"compensation_owed": "Indemnisations dues",
		"compensation_paid": "Indemnisations payées",
		"held":              "Détenu",
		"unallocated":       "Non alloué",
		"programmes":        "Solde des programmes",
		"outstanding":       "Indemnisations restant dues",
		"chart":             "Entrées et sorties par mois",
		"in":                "Entrées",
		"out":               "Sorties (dépenses et indemnisations)",
		"by_month":          "Par mois",
		"month":             "Mois",
		"by_channel":        "Par canal",
		"channel":           "Canal",
		"moved_in":          "Transferts reçus",
		"moved_out":         "Transferts envoyés",
		"by_programme":      "Par programme",
		"programme":         "Programme",
		"balance":           "Solde",
		"compensation":      "Indemnisations des réquisitions et des services",
		"orders_owed":       "Ordres ouvrant droit à indemnisation",
		"orders_settled":    "dont soldés",
		"checks":            "Vérifications",
		"checks_ok":         "Toutes les vérifications sont satisfaites.",
		"checks_failed":     "ATTENTION : des vérifications échouent.",
		"check":             "Égalité vérifiée",
		"left":              "Gauche",
		"right":             "Droite",
		"named":             "Contributeurs ayant choisi d'être nommés",
		"named_none":        "Aucun pour l'instant.",
		"date":              "Date",
		"name":              "Nom",
		"amount":            "Montant",
		"none":              "Aucun mouvement pour l'instant.",
		"download":          "Télécharger",
		"in_xof":            "Montants en XOF (franc CFA)",
		"verify":            "Pour vérifier : le point de contrôle signé est à /log/checkpoint, chaque feuille à /log/leaf/N ; les feuilles « ledger.transfer » donnent comptes et montants, de quoi recalculer chaque total.",
		"cash":              "Espèces",
		"bank":              "Banque",
		"mobile_money":      "Mobile money",
		"prog_compensation": "Indemnisations",
		"yes":               "oui",
		"no":                "non",
	},
	"en": {
		"title":             "National mobilization fund: public report",
		"intro":             "What the fund received, where the money went, and the compensation owed and paid. Every movement is a leaf of the transparency log; this report is recomputed from them and its totals are checked below.",
		"checkpoint":        "Computed at the log checkpoint",
		"leaves":            "leaves",
		"signed":            "signed",
		"unsigned":          "unsigned (no checkpoint signed yet)",
		"root":              "root",
		"contributions":     "Contributions received",
		"allocated":         "Allocated to programmes",
		"spent":             "Spent by programmes",
		"compensation_owed": "Compensation owed",
		"compensation_paid": "Compensation paid",
		"held":              "Held",
		"unallocated":       "Unallocated",
		"programmes":        "Programme balances",
		"outstanding":       "Compensation outstanding",
		"chart":             "Money in and out by month",
		"in":                "In",
		"out":               "Out (spending and compensation)",
		"by_month":          "By month",
		"month":             "Month",
		"by_channel":        "By channel",
		"channel":           "Channel",
		"moved_in":          "Moved in",
		"moved_out":         "Moved out",
		"by_programme":      "By programme",
		"programme":         "Programme",
		"balance":           "Balance",
		"compensation":      "Compensation for requisitions and services",
		"orders_owed":       "Orders owed compensation",
		"orders_settled":    "of which settled",
		"checks":            "Checks",
		"checks_ok":         "Every check holds.",
		"checks_failed":     "WARNING: some checks fail.",
		"check":             "Identity checked",
		"left":              "Left",
		"right":             "Right",
		"named":             "Contributors who chose to be named",
		"named_none":        "None yet.",
		"date":              "Date",
		"name":              "Name",
		"amount":            "Amount",
		"none":              "No movement yet.",
		"download":          "Download",
		"in_xof":            "Amounts in XOF (CFA franc)",
		"verify":            "To verify: the signed checkpoint is at /log/checkpoint, each leaf at /log/leaf/N; the \"ledger.transfer\" leaves give accounts and amounts, enough to recompute every total.",
		"cash":              "Cash",
		"bank":              "Bank",
		"mobile_money":      "Mobile money",
		"prog_compensation": "Compensation",
		"yes":               "yes",
		"no":                "no",
	},
}

// checkLabels say in words what each identity of fund.Report.Checks
// states; a per-channel or per-programme check is labelled by its family.
var checkLabels = map[string]map[string]string{
	"fr": {
		"in_minus_out_equals_held":                           "contributions − dépenses − indemnisations payées = détenu",
		"held_equals_unallocated_plus_programmes":            "détenu = non alloué + soldes des programmes",
		"contributions_minus_allocated_equals_unallocated":   "contributions − alloué = non alloué",
		"allocated_minus_spent_minus_paid_equals_programmes": "alloué − dépensé − indemnisations payées = soldes des programmes",
		"owed_minus_paid_equals_outstanding":                 "indemnisations dues − payées = restant dû",
		"outstanding_equals_compensation_expense":            "restant dû = charge d'indemnisation non réglée",
		"months_add_up":             "les mois totalisent",
		"channel":                   "canal %s : entrées − sorties ± transferts = détenu",
		"channels_add_up":           "les canaux totalisent",
		"moves_in_equal_moves_out":  "transferts reçus = transferts envoyés",
		"programme":                 "programme %s : alloué − dépensé = solde",
		"programmes_add_up":         "les programmes totalisent",
		"every_transfer_classified": "mouvements non reconnus = 0",
		"no_sum_overflows":          "aucun dépassement de capacité",
	},
	"en": {
		"in_minus_out_equals_held":                           "contributions − spending − compensation paid = held",
		"held_equals_unallocated_plus_programmes":            "held = unallocated + programme balances",
		"contributions_minus_allocated_equals_unallocated":   "contributions − allocated = unallocated",
		"allocated_minus_spent_minus_paid_equals_programmes": "allocated − spent − compensation paid = programme balances",
		"owed_minus_paid_equals_outstanding":                 "compensation owed − paid = outstanding",
		"outstanding_equals_compensation_expense":            "outstanding = compensation expense not yet paid",
		"months_add_up":             "the months add up",
		"channel":                   "channel %s: in − out ± moves = held",
		"channels_add_up":           "the channels add up",
		"moves_in_equal_moves_out":  "moved in = moved out",
		"programme":                 "programme %s: allocated − spent = balance",
		"programmes_add_up":         "the programmes add up",
		"every_transfer_classified": "unrecognised movements = 0",
		"no_sum_overflows":          "no sum overflows",
	},
}

// checkLabel words the check named name in lang.
func checkLabel(lang, name string) string {
	labels := checkLabels[lang]
	if l, ok := labels[name]; ok {
		return l
	}
	for _, family := range []string{"months_add_up", "channels_add_up", "programmes_add_up"} {
		if rest, ok := strings.CutPrefix(name, family+"_to_"); ok {
			what := messages[lang][rest]
			if rest == "spent_and_paid" {
				what = messages[lang]["spent"] + " + " + messages[lang]["compensation_paid"]
			}
			return labels[family] + " (" + strings.ToLower(what) + ")"
		}
	}
	for _, c := range fund.Channels {
		if name == "channel_"+string(c)+"_in_minus_out_equals_held" {
			return strings.Replace(labels["channel"], "%s", messages[lang][string(c)], 1)
		}
	}
	if rest, ok := strings.CutPrefix(name, "programme_"); ok {
		return strings.Replace(labels["programme"], "%s", strings.TrimSuffix(rest, "_allocated_minus_spent_equals_balance"), 1)
	}
	return name
}
