package printout

// This file is the message catalog: every fixed text printed on an order or
// a receipt, in French (the official language, written first and the
// reference for the others), English, Hausa and Zarma.
//
// REVIEW BEFORE DEPLOYMENT: the Hausa (ha) and Zarma (dje) texts are a
// non-native first draft. They must be checked and corrected by native
// speakers (and the legal terms by a jurist) before any order is printed in
// those languages. They are kept short and plain on purpose; the Zarma text
// keeps the French legal terms (reçu, recours, exemption...) in the places
// where a reader is most likely to know the official word.

// msg identifies one fixed text.
type msg int

const (
	titleCallUp msg = iota
	titleRequisition
	titleReceipt
	authorityID // %s: authority id
	codeLabel
	codeHint
	qrCaption
	addressee
	ref // %s: reference
	service
	reportTo
	handoverAt
	items
	colDescription
	colQuantity
	colUnit
	colCondition
	deadline
	reason
	legalBasis
	rightsCallUp
	rightsRequisition
	appealBy // %s: date and time
	verifyTitle
	verifyQR
	verifyUSSD // %s: USSD code
	verifySMS  // %s: number
	verifyURL  // %s: URL
	verifyLog  // %d: log index
	warning
	footerOrder   // %s: order id
	footerKey     // %s: key id
	footerIssued  // %s: date and time
	footerPage    // %d: page, %s: page count
	footerReceipt // %s: receipt id
	orderCode
	owner
	handedOver
	place
	handoverTime
	officer
	receiptStatement
	signOwner
	signOfficer
	numMsgs // keep last: the catalog test checks every id below it
)

var catalog = map[string]map[msg]string{
	"fr": {
		titleCallUp:       "ORDRE D'APPEL",
		titleRequisition:  "ORDRE DE RÉQUISITION",
		titleReceipt:      "REÇU DE REMISE",
		authorityID:       "Identifiant de l'autorité : %s",
		codeLabel:         "Code de vérification",
		codeHint:          "À saisir par USSD ou SMS",
		qrCaption:         "Scannez pour vérifier",
		addressee:         "Destinataire",
		ref:               "réf. %s",
		service:           "Service demandé",
		reportTo:          "Lieu de présentation",
		handoverAt:        "Lieu de remise",
		items:             "Biens ou services requis",
		colDescription:    "Désignation",
		colQuantity:       "Quantité",
		colUnit:           "Unité",
		colCondition:      "État",
		deadline:          "Date limite",
		reason:            "Motif",
		legalBasis:        "Fondement juridique",
		rightsCallUp:      "Vos droits : vous pouvez demander une exemption ou un report, et contester cet ordre par un recours.",
		rightsRequisition: "Vos droits : vous recevez un reçu pour tout bien remis, vous êtes indemnisé selon les barèmes officiels, et vous pouvez contester cet ordre par un recours.",
		appealBy:          "Le recours doit être déposé au plus tard le %s.",
		verifyTitle:       "Vérifier l'authenticité de cet ordre",
		verifyQR:          "Scannez le code QR avec l'application de vérification (elle fonctionne sans réseau).",
		verifyUSSD:        "Composez %s et saisissez le code de vérification.",
		verifySMS:         "Envoyez le code de vérification par SMS au %s.",
		verifyURL:         "En ligne : %s",
		verifyLog:         "Cet ordre est inscrit au journal public de transparence sous le n° %d.",
		warning:           "Un ordre authentique ne demande jamais d'argent. Ne remettez rien sans avoir vérifié l'ordre, et exigez un reçu.",
		footerOrder:       "Ordre n° %s",
		footerKey:         "Clé %s",
		footerIssued:      "Émis le %s",
		footerPage:        "Page %d/%s",
		footerReceipt:     "Reçu n° %s",
		orderCode:         "Code de l'ordre",
		owner:             "Propriétaire",
		handedOver:        "Biens remis",
		place:             "Lieu",
		handoverTime:      "Date et heure",
		officer:           "Agent",
		receiptStatement:  "L'autorité reconnaît avoir reçu les biens ci-dessus au titre de cet ordre. Conservez ce reçu : il est exigé pour la restitution et l'indemnisation.",
		signOwner:         "Signature du propriétaire",
		signOfficer:       "Signature de l'agent",
	},
	"en": {
		titleCallUp:       "CALL-UP ORDER",
		titleRequisition:  "REQUISITION ORDER",
		titleReceipt:      "HANDOVER RECEIPT",
		authorityID:       "Authority ID: %s",
		codeLabel:         "Verification code",
		codeHint:          "Type it in USSD or SMS",
		qrCaption:         "Scan to verify",
		addressee:         "To",
		ref:               "ref. %s",
		service:           "Service required",
		reportTo:          "Report to",
		handoverAt:        "Hand over at",
		items:             "Property or services required",
		colDescription:    "Description",
		colQuantity:       "Quantity",
		colUnit:           "Unit",
		colCondition:      "Condition",
		deadline:          "Deadline",
		reason:            "Reason",
		legalBasis:        "Legal basis",
		rightsCallUp:      "Your rights: you may claim an exemption or a deferral, and you may appeal against this order.",
		rightsRequisition: "Your rights: you get a receipt for everything you hand over, you are compensated at the official rates, and you may appeal against this order.",
		appealBy:          "Appeals must be filed by %s.",
		verifyTitle:       "How to check this order is genuine",
		verifyQR:          "Scan the QR code with the verification app (it works without a network).",
		verifyUSSD:        "Dial %s and enter the verification code.",
		verifySMS:         "Send the verification code by SMS to %s.",
		verifyURL:         "Online: %s",
		verifyLog:         "This order is entry no. %d of the public transparency log.",
		warning:           "A genuine order never asks for money. Hand over nothing before checking the order, and always get a receipt.",
		footerOrder:       "Order %s",
		footerKey:         "Key %s",
		footerIssued:      "Issued %s",
		footerPage:        "Page %d/%s",
		footerReceipt:     "Receipt %s",
		orderCode:         "Order code",
		owner:             "Owner",
		handedOver:        "Handed over",
		place:             "Place",
		handoverTime:      "Date and time",
		officer:           "Officer",
		receiptStatement:  "The authority has received the items above under this order. Keep this receipt: you need it to get your property back and to be compensated.",
		signOwner:         "Owner's signature",
		signOfficer:       "Officer's signature",
	},
	// Hausa: draft, needs review by native speakers (see the top of the file).
	// Impersonal forms ("a", "ana") avoid choosing ka/ki for the reader.
	"ha": {
		titleCallUp:       "UMARNIN KIRA ZUWA HIDIMA",
		titleRequisition:  "UMARNIN MIƘA KAYA",
		titleReceipt:      "RASITIN MIƘA KAYA",
		authorityID:       "Lambar hukuma: %s",
		codeLabel:         "Lambar tantancewa",
		codeHint:          "A rubuta ta a USSD ko SMS",
		qrCaption:         "A yi sikan don tantancewa",
		addressee:         "Zuwa ga",
		ref:               "lamba %s",
		service:           "Aikin da ake nema",
		reportTo:          "Wurin da za a je",
		handoverAt:        "Wurin miƙa kaya",
		items:             "Kayan da ake nema",
		colDescription:    "Kaya",
		colQuantity:       "Yawa",
		colUnit:           "Ma'auni",
		colCondition:      "Yanayi",
		deadline:          "Wa'adi",
		reason:            "Dalili",
		legalBasis:        "Tushen doka",
		rightsCallUp:      "Haƙƙoƙin ƴan ƙasa: ana iya neman keɓewa ko jinkiri, kuma ana iya ɗaukaka ƙara kan wannan umarni.",
		rightsRequisition: "Haƙƙoƙin ƴan ƙasa: ana ba da rasiti ga duk abin da aka miƙa, ana biyan diyya bisa ƙa'ida, kuma ana iya ɗaukaka ƙara kan wannan umarni.",
		appealBy:          "Ranar ƙarshe ta ɗaukaka ƙara: %s.",
		verifyTitle:       "Yadda za a tabbatar umarnin na gaskiya ne",
		verifyQR:          "A yi sikan na QR da manhajar tantancewa (tana aiki ko babu intanet).",
		verifyUSSD:        "A danna %s, sannan a rubuta lambar tantancewa.",
		verifySMS:         "A aika lambar tantancewa ta SMS zuwa %s.",
		verifyURL:         "A intanet: %s",
		verifyLog:         "An rubuta wannan umarni a rajistar jama'a, lamba %d.",
		warning:           "Umarni na gaskiya ba ya neman kuɗi. Kada a miƙa komai kafin a tantance umarnin, kuma a karɓi rasiti.",
		footerOrder:       "Umarni %s",
		footerKey:         "Maɓalli %s",
		footerIssued:      "An bayar %s",
		footerPage:        "Shafi %d/%s",
		footerReceipt:     "Rasiti %s",
		orderCode:         "Lambar umarni",
		owner:             "Mai kaya",
		handedOver:        "Kayan da aka miƙa",
		place:             "Wuri",
		handoverTime:      "Rana da lokaci",
		officer:           "Jami'i",
		receiptStatement:  "Hukuma ta karɓi kayan da ke sama bisa wannan umarni. A ajiye wannan rasiti: ana buƙatarsa wajen mayar da kaya da biyan diyya.",
		signOwner:         "Sa hannun mai kaya",
		signOfficer:       "Sa hannun jami'i",
	},
	// Zarma: draft, needs review by native speakers (see the top of the file).
	"dje": {
		titleCallUp:       "CEYAŊ LORDI",
		titleRequisition:  "JINAYEY NOOYAŊ LORDI",
		titleReceipt:      "JINAYEY NOOYAŊ SEEDA TIRA",
		authorityID:       "Laamu lamba: %s",
		codeLabel:         "Cimi-guna kood",
		codeHint:          "Hantum a USSD wala SMS ra",
		qrCaption:         "Sikan a ka cimo guna",
		addressee:         "Boro kaŋ se",
		ref:               "lamba %s",
		service:           "Goy kaŋ i ga ba",
		reportTo:          "Nungu kaŋ ni ga koy",
		handoverAt:        "Nungu kaŋ ni ga jinayey no",
		items:             "Jinayey kaŋ i ga ba",
		colDescription:    "Jinay",
		colQuantity:       "Marge",
		colUnit:           "Neesiyaŋ",
		colCondition:      "Alhaali",
		deadline:          "Waati kaŋ ga ban",
		reason:            "Sabbu",
		legalBasis:        "Sariya",
		rightsCallUp:      "Ni hakey: ni ga hin ka exemption wala report ceeci, ni ga hin ka recours te lordo woo boŋ.",
		rightsRequisition: "Ni hakey: i ga reçu no jinay kulu kaŋ ni no se, i ga ni bana (indemnisation), ni ga hin ka recours te lordo woo boŋ.",
		appealBy:          "Recours waati ga ban %s.",
		verifyTitle:       "Mate ni ga lordo woo cimo guna",
		verifyQR:          "Sikan QR kood nda cimi-guna aplikasiyo (a ga goy hala internet si no).",
		verifyUSSD:        "Kar %s, ka cimi-guna kood hantum.",
		verifySMS:         "Samba cimi-guna kood SMS ra %s se.",
		verifyURL:         "Internet ra: %s",
		verifyLog:         "Lordo woo go jama tira ra, lamba %d.",
		warning:           "Lordi cimi si nooru ceeci. Ma si hay kulu no kala ni na lordo cimo guna, ka reçu sambu.",
		footerOrder:       "Lordi %s",
		footerKey:         "Kufal %s",
		footerIssued:      "Zaari %s",
		footerPage:        "%d/%s",
		footerReceipt:     "Reçu %s",
		orderCode:         "Lordi kood",
		owner:             "Jinay koy",
		handedOver:        "Jinayey kaŋ i sambu",
		place:             "Nungu",
		handoverTime:      "Zaari nda waati",
		officer:           "Laamu boro",
		receiptStatement:  "Laamu na jinayey woo sambu lordo woo se. Ma tira woo gaay: ni ga ba a jinayey yeti nda banayaŋ se.",
		signOwner:         "Jinay koy kambe daŋ",
		signOfficer:       "Laamu boro kambe daŋ",
	},
}

// locale is how a language writes dates and numbers.
type locale struct {
	months   [12]string
	dateTime string // fmt pattern: day, month name, year, "15:04"
	decimal  string
	group    string
}

// Hausa months are CLDR's (and glibc's ha_NG); Zarma months are CLDR's dje.
// French number style for French and Zarma, as Niger's administration
// writes them; English style for English and Hausa, as CLDR does.
var locales = map[string]locale{
	"fr": {
		months:   [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		dateTime: "%d %s %d à %s",
		decimal:  ",", group: " ",
	},
	"en": {
		months:   [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		dateTime: "%d %s %d at %s",
		decimal:  ".", group: ",",
	},
	"ha": {
		months:   [12]string{"Janairu", "Faburairu", "Maris", "Afirilu", "Mayu", "Yuni", "Yuli", "Agusta", "Satumba", "Oktoba", "Nuwamba", "Disamba"},
		dateTime: "%d ga %s %d, ƙarfe %s",
		decimal:  ".", group: ",",
	},
	"dje": {
		months:   [12]string{"Žanwiye", "Feewiriye", "Marsi", "Awiril", "Me", "Žuweŋ", "Žuyye", "Ut", "Sektanbur", "Oktoobur", "Noowanbur", "Deesanbur"},
		dateTime: "%d %s %d, %s",
		decimal:  ",", group: " ",
	},
}
