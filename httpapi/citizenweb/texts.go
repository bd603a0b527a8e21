package citizenweb

import (
	"fmt"

	"github.com/muster-org/muster/citizen"
)

// text names a text of the page that the citizen catalog (package
// citizen, shared with USSD and SMS) does not hold: labels and hints that
// only a web form needs.
type text string

// The page's own texts.
const (
	txtIntro        text = "intro"
	txtCode         text = "code"
	txtCodeHint     text = "code_hint"
	txtBirth        text = "birth"
	txtBirthHint    text = "birth_hint"
	txtOpen         text = "open"
	txtVerifyHint   text = "verify_hint"
	txtVerifyButton text = "verify_button"
	txtWhat         text = "what"
	txtWhere        text = "where"
	txtDeadline     text = "deadline"
	txtState        text = "state"
	txtAuthority    text = "authority"
	txtLegal        text = "legal"
	txtNumber       text = "number"
	txtSignature    text = "signature"
	txtVerified     text = "verified"
	txtActions      text = "actions"
	txtNoActions    text = "no_actions"
	txtExemption    text = "exemption"
	txtDeferral     text = "deferral"
	txtNewSearch    text = "new_search"
	txtExpired      text = "expired"
	txtByPhone      text = "by_phone" // the USSD code
	txtNotFound     text = "not_found"
	txtMissingCode  text = "missing_code"
	txtMissingBirth text = "missing_birth"
	txtCompensation text = "compensation"
	txtOwed         text = "owed"
	txtPaid         text = "paid"
	txtOutstanding  text = "outstanding"
	txtDays         text = "days"
	txtBasis        text = "basis"
	txtDetail       text = "detail"
	txtAmount       text = "amount"
	txtUse          text = "basis_use"
	txtConsumed     text = "basis_consumed"
	txtService      text = "basis_service"
	txtDamage       text = "basis_damage"
	txtPDF          text = "pdf"
)

// bases names the texts of the bases of a compensation line
// (order.Line.Basis).
var bases = map[string]text{"use": txtUse, "consumed": txtConsumed, "service": txtService, "damage": txtDamage}

// basisLabel says what a compensation line pays for, in l; a basis the
// page has no text for is shown as it is rather than hidden.
func basisLabel(l citizen.Language, basis string) string {
	if k, ok := bases[basis]; ok {
		return t(l, k)
	}
	return basis
}

// allTexts lists every text, for the test that keeps the languages
// complete.
var allTexts = []text{txtIntro, txtCode, txtCodeHint, txtBirth, txtBirthHint, txtOpen, txtVerifyHint, txtVerifyButton,
	txtWhat, txtWhere, txtDeadline, txtState, txtAuthority, txtLegal, txtNumber, txtSignature, txtVerified, txtActions,
	txtNoActions, txtExemption, txtDeferral, txtNewSearch, txtExpired, txtByPhone, txtNotFound, txtMissingCode, txtMissingBirth,
	txtCompensation, txtOwed, txtPaid, txtOutstanding, txtDays, txtBasis, txtDetail, txtAmount,
	txtUse, txtConsumed, txtService, txtDamage, txtPDF}

// languageNames are the names of the languages in themselves, for the
// language switch.
var languageNames = map[citizen.Language]string{
	citizen.French: "Français", citizen.English: "English", citizen.Hausa: "Hausa", citizen.Zarma: "Zarma",
}

// REVIEW BEFORE DEPLOYMENT: as in package citizen, the Hausa texts are a
// non-native draft and the Zarma texts a rough draft, to be checked by
// native speakers. Zarma keeps the official French terms (exemption,
// report) a reader is most likely to know.
var texts = map[citizen.Language]map[text]string{
	citizen.French: {
		txtIntro:        "Consultez votre ordre avec son numéro et la date de naissance de son destinataire.",
		txtCode:         "Numéro de l'ordre",
		txtCodeHint:     "Les 17 lettres et chiffres, ou les 26 chiffres, imprimés sur l'ordre.",
		txtBirth:        "Date de naissance du destinataire",
		txtBirthHint:    "Par exemple 05/03/1990.",
		txtOpen:         "Consulter",
		txtVerifyHint:   "Toute personne qui détient un ordre peut vérifier qu'il est authentique, sans date de naissance.",
		txtVerifyButton: "Vérifier",
		txtWhat:         "Ce qui est demandé",
		txtWhere:        "Lieu",
		txtDeadline:     "Délai",
		txtState:        "État",
		txtAuthority:    "Émis par",
		txtLegal:        "Base légale",
		txtNumber:       "Numéro",
		txtSignature:    "Signature",
		txtVerified:     "vérifiée: l'ordre est authentique",
		txtActions:      "Votre réponse",
		txtNoActions:    "Rien à faire ici pour l'instant.",
		txtExemption:    "Exemption",
		txtDeferral:     "Report",
		txtNewSearch:    "Consulter un autre ordre",
		txtExpired:      "Cette page a expiré. Saisissez à nouveau le numéro et la date de naissance.",
		txtPDF:          "Télécharger l'ordre (PDF, pour l'imprimer)",
		txtByPhone:      "Sans internet, composez %s.",
		txtNotFound:     "Page introuvable.",
		txtMissingCode:  "Saisissez le numéro de l'ordre.",
		txtMissingBirth: "Saisissez la date de naissance.",
		txtCompensation: "Indemnité",
		txtOwed:         "Montant dû",
		txtPaid:         "Déjà payé",
		txtOutstanding:  "Reste à payer",
		txtDays:         "Jours comptés",
		txtBasis:        "Pour",
		txtDetail:       "Calcul",
		txtAmount:       "Montant",
		txtUse:          "Usage",
		txtConsumed:     "Consommé",
		txtService:      "Service",
		txtDamage:       "Dégâts",
	},
	citizen.English: {
		txtIntro:        "Open your order with its number and its addressee's date of birth.",
		txtCode:         "Order number",
		txtCodeHint:     "The 17 letters and digits, or the 26 digits, printed on the order.",
		txtBirth:        "Addressee's date of birth",
		txtBirthHint:    "For example 05/03/1990 (day, month, year).",
		txtOpen:         "Open",
		txtVerifyHint:   "Anyone holding an order can check that it is genuine, without a date of birth.",
		txtVerifyButton: "Check",
		txtWhat:         "What is asked",
		txtWhere:        "Place",
		txtDeadline:     "Deadline",
		txtState:        "Status",
		txtAuthority:    "Issued by",
		txtLegal:        "Legal basis",
		txtNumber:       "Number",
		txtSignature:    "Signature",
		txtVerified:     "verified: the order is genuine",
		txtActions:      "Your answer",
		txtNoActions:    "Nothing to do here for now.",
		txtExemption:    "Exemption",
		txtDeferral:     "Deferral",
		txtNewSearch:    "Open another order",
		txtExpired:      "This page has expired. Enter the number and the date of birth again.",
		txtPDF:          "Download the order (PDF, to print)",
		txtByPhone:      "Without internet, dial %s.",
		txtNotFound:     "Page not found.",
		txtMissingCode:  "Enter the order number.",
		txtMissingBirth: "Enter the date of birth.",
		txtCompensation: "Compensation",
		txtOwed:         "Owed",
		txtPaid:         "Paid so far",
		txtOutstanding:  "Still to pay",
		txtDays:         "Days counted",
		txtBasis:        "For",
		txtDetail:       "How it is computed",
		txtAmount:       "Amount",
		txtUse:          "Use",
		txtConsumed:     "Consumed",
		txtService:      "Service",
		txtDamage:       "Damage",
	},
	citizen.Hausa: {
		txtIntro:        "A duba umarni da lambarsa da ranar haihuwar wanda aka aika wa.",
		txtCode:         "Lambar umarni",
		txtCodeHint:     "Haruffa da lambobi 17, ko lambobi 26, da aka buga a kan umarnin.",
		txtBirth:        "Ranar haihuwar wanda aka aika wa",
		txtBirthHint:    "Misali 05/03/1990 (rana, wata, shekara).",
		txtOpen:         "Duba",
		txtVerifyHint:   "Duk wanda ke riƙe da umarni zai iya tantance sahihancinsa, ba tare da ranar haihuwa ba.",
		txtVerifyButton: "Tantance",
		txtWhat:         "Abin da ake buƙata",
		txtWhere:        "Wuri",
		txtDeadline:     "Wa'adi",
		txtState:        "Matsayi",
		txtAuthority:    "Wanda ya bayar",
		txtLegal:        "Tushen doka",
		txtNumber:       "Lamba",
		txtSignature:    "Sa hannu",
		txtVerified:     "an tantance: umarnin sahihi ne",
		txtActions:      "Amsa",
		txtNoActions:    "Babu abin yi a nan yanzu.",
		txtExemption:    "Keɓewa",
		txtDeferral:     "Jinkiri",
		txtNewSearch:    "Duba wani umarni",
		txtExpired:      "Wannan shafi ya ƙare. A sake shigar da lamba da ranar haihuwa.",
		txtPDF:          "Sauke odar (PDF, don bugawa)",
		txtByPhone:      "Ba tare da intanet ba, a danna %s.",
		txtNotFound:     "Ba a sami shafin ba.",
		txtMissingCode:  "A shigar da lambar umarni.",
		txtMissingBirth: "A shigar da ranar haihuwa.",
		txtCompensation: "Diyya",
		txtOwed:         "Abin da ake bi",
		txtPaid:         "An riga an biya",
		txtOutstanding:  "Saura",
		txtDays:         "Kwanakin da aka ƙirga",
		txtBasis:        "Dalili",
		txtDetail:       "Yadda aka lissafa",
		txtAmount:       "Kuɗi",
		txtUse:          "Amfani",
		txtConsumed:     "An cinye",
		txtService:      "Hidima",
		txtDamage:       "Lalacewa",
	},
	citizen.Zarma: {
		txtIntro:        "Ni lordo guna nda nga lamba nda nga mayaa hayyaŋ zaaro.",
		txtCode:         "Lordi lamba",
		txtCodeHint:     "Harfu nda lamba 17, wala lamba 26, kaŋ go lordo boŋ.",
		txtBirth:        "Lordi mayaa hayyaŋ zaari",
		txtBirthHint:    "Misaali 05/03/1990 (zaari, handu, jiiri).",
		txtOpen:         "Guna",
		txtVerifyHint:   "Boro kulu kaŋ gonda lordi ga hin k'a cimi-guna, hayyaŋ zaari si.",
		txtVerifyButton: "Cimi-guna",
		txtWhat:         "Haŋ kaŋ i ga ceeci",
		txtWhere:        "Nungu",
		txtDeadline:     "Alwaati",
		txtState:        "Alhaali",
		txtAuthority:    "Kaŋ n'a no",
		txtLegal:        "Sariya",
		txtNumber:       "Lamba",
		txtSignature:    "Kambe-daŋ",
		txtVerified:     "cimi-guna: lordo ya cimi no",
		txtActions:      "Ni tu",
		txtNoActions:    "Hay kulu si no ka te sohõ.",
		txtExemption:    "Exemption",
		txtDeferral:     "Report",
		txtNewSearch:    "Lordi fo guna",
		txtExpired:      "Moɲo woo alwaato bisa. Lamba nda hayyaŋ zaari hantum koyne.",
		txtPDF:          "Lordo zumandi (PDF, k'a kar)",
		txtByPhone:      "Internet si, %s kar.",
		txtNotFound:     "Moɲo mana duwandi.",
		txtMissingCode:  "Lordi lamba hantum.",
		txtMissingBirth: "Hayyaŋ zaari hantum.",
		txtCompensation: "Bana",
		txtOwed:         "Haŋ kaŋ i ga ni garaw",
		txtPaid:         "I n'a bana",
		txtOutstanding:  "Haŋ kaŋ cindi",
		txtDays:         "Zaari kaŋ i kabu",
		txtBasis:        "Sabbu",
		txtDetail:       "Kabuyaŋ",
		txtAmount:       "Nooru",
		txtUse:          "Goy",
		txtConsumed:     "I n'a ŋwa",
		txtService:      "Goy-teeyaŋ",
		txtDamage:       "Hasaraw",
	},
}

// t returns text k in l, in French when l lacks it (the test keeps every
// language complete), formatted with args.
func t(l citizen.Language, k text, args ...any) string {
	s, ok := texts[l][k]
	if !ok {
		s = texts[citizen.French][k]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
