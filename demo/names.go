package demo

import (
	"strings"

	"github.com/muster-org/muster/area"
)

// The naming pools of Niger's five largest language groups. Names are
// common ones as written in Niger's French-based civil registry (so
// "Issoufou", not "Yusuf"); many Muslim names are shared between groups, as
// they are in reality.
const (
	hausa = iota
	zarma
	fulfulde
	tamasheq
	kanuri
	numPools
)

// pool is one group's names. Family names are usually a father's or
// grandfather's given name; Tamasheq ones are patronyms with "Ag" (son of)
// or "Walet" (daughter of), so the family name depends on sex.
type pool struct {
	male, female     []string
	familyM, familyF []string
}

// list splits a comma-separated list: it keeps the data readable and
// allows names with spaces ("Dan Malam").
func list(s string) []string {
	parts := strings.Split(s, ",")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

var pools = func() [numPools]pool {
	var p [numPools]pool
	p[hausa] = pool{
		male: list(`Abdou, Abdoulaye, Adamou, Alassane, Aminou, Bachir, Boubacar, Chaibou, Daouda,
			Garba, Habibou, Hamissou, Harouna, Hassane, Ibrahim, Idi, Illiassou, Issa, Issoufou,
			Kabirou, Laouali, Lawali, Mahamadou, Mahaman, Maman, Mamane, Moussa, Nafiou, Nassirou,
			Oumarou, Rabiou, Sahabi, Salissou, Sani, Sanoussi, Souleymane, Tanimoune, Yacouba,
			Yahaya, Zakari`),
		female: list(`Aïchatou, Amina, Asmaou, Balkissa, Barira, Binta, Fatima, Habsatou, Hadiza,
			Hadjara, Halima, Hamsatou, Hassana, Hassia, Hauwa, Husseina, Jamila, Jummai, Kadi,
			Khadidja, Ladi, Lami, Larai, Maïmouna, Mansoura, Maryama, Nafissa, Nana, Rabi, Rahila,
			Rakia, Ramatou, Sa'adatou, Sadia, Safia, Salamatou, Saratou, Talatou, Zeinabou, Zouera`),
		familyM: list(`Abdou, Adamou, Bako, Bawa, Chaibou, Dan Baba, Dan Malam, Gado, Galadima,
			Garba, Habou, Harouna, Hassoumi, Ibrah, Idi, Illa, Issoufou, Kadri, Laouali, Maazou,
			Mahamadou, Mai Moussa, Mamane, Rabo, Sabo, Sani, Sarki, Souley, Tanko, Yaro, Zakari`),
	}
	p[zarma] = pool{
		male: list(`Abdoulaye, Adamou, Alfari, Alou, Amadou, Arouna, Boubacar, Boukari, Daouda,
			Djibo, Djibrilla, Garba, Halidou, Hama, Hamadou, Hamani, Hamidou, Harouna, Hassane,
			Hima, Ibrahim, Idrissa, Issaka, Kimba, Mahamadou, Mamoudou, Moumouni, Mounkaila,
			Moussa, Niandou, Oumarou, Ousmane, Saidou, Salou, Seydou, Seyni, Soumaïla, Soumana,
			Tahirou, Yayé`),
		female: list(`Adiza, Aïssa, Aïssata, Aminata, Balkissa, Bana, Bibata, Binta, Djamila,
			Fati, Fatouma, Fourera, Hadjara, Halimatou, Hamsa, Haoua, Hassia, Haby, Kadi,
			Kadidiatou, Maïmouna, Mariama, Mariétou, Nafissa, Nana, Oumou, Rahamatou, Rakiatou,
			Ramatou, Ramou, Roukaya, Safiatou, Sahadatou, Salamatou, Sita, Zalika, Zara,
			Zeinabou, Zouera, Gambi`),
		familyM: list(`Alfari, Amadou, Boubacar, Cissé, Daouda, Diori, Djermakoye, Djibo,
			Gazibo, Hama, Hamani, Hamidou, Harouna, Hima, Idrissa, Issaka, Kimba, Kountché,
			Maïga, Mayaki, Moumouni, Mounkaila, Niandou, Oumarou, Saidou, Salou, Seyni, Siddo,
			Soumana, Touré, Yacouba, Zakou`),
	}
	p[fulfulde] = pool{
		male: list(`Abdoulkarim, Abdourahamane, Alhousseini, Aliou, Amadou, Ardo, Bachirou,
			Bello, Bouba, Boubacar, Boureima, Daouda, Demba, Dicko, Djibo, Hamadou, Hammadi,
			Hamidou, Hassane, Ibrahim, Idé, Issa, Maliki, Mamoudou, Modibo, Moussa, Nouhou,
			Oumarou, Ousmane, Sadou, Saidou, Samba, Sambo, Seydou, Siradji, Souleymane,
			Tahirou, Yaya, Yero, Abdoulaye`),
		female: list(`Adama, Aïchatou, Aïssatou, Aminatou, Assana, Bintou, Dado, Diéynaba,
			Dioulde, Djenabou, Fadimatou, Fanta, Fatoumata, Habsatou, Hadiza, Hadjo, Hapsatou,
			Hawa, Hindatou, Hindou, Kadiatou, Kadidja, Lobbo, Maïmouna, Mairama, Mariam,
			Nafissatou, Néné, Oumou, Oumoul, Penda, Raki, Ramatoulaye, Rouguiatou, Sadio,
			Safiatou, Salamatou, Sira, Takko, Goggo`),
		familyM: list(`Ardo, Ba, Bah, Barry, Bello, Bouba, Boubacar, Boureima, Dicko, Diallo,
			Djibo, Garba, Hamadou, Hamidou, Hassane, Kané, Ly, Mamoudou, Moussa, Oumarou, Sadou,
			Sall, Sambo, Sanda, Sidibé, Souley, Sow, Sy, Tall, Yero`),
	}
	tamasheqFathers := list(`Abdoulahi, Aboubacar, Acharif, Aghali, Ahmed, Akli, Alhassane,
		Almoustapha, Amoumoune, Attaher, Ayouba, Effad, Elhadj, Ghali, Ghissa, Hamed, Ibrahim,
		Illias, Intalla, Issouf, Khamed, Mahamoud, Mohamed, Moussa, Rhissa, Sidi, Oumar,
		Alghabit, Assalah, Akhmadou`)
	p[tamasheq] = pool{
		male: list(`Abdoulahi, Abdourahmane, Aboubacar, Acharif, Aghali, Ahmed, Akhmadou, Akli,
			Alghabit, Alhousseini, Almoustapha, Amoumoune, Assalah, Attaher, Ayouba, Bilal,
			Effad, Elhadj, Ghali, Ghissa, Hamed, Hamma, Ibrahim, Illias, Intalla, Issouf, Khamed,
			Mahamoud, Mano, Mohamed, Mouhamed, Moussa, Oumar, Rhissa, Sidi, Sidi Mohamed,
			Souleymane, Tahirou, Agaly, Ekadé`),
		female: list(`Aïchatou, Aïssa, Alghalla, Aminatou, Azahra, Bibi, Dayna, Fadimata, Fatma,
			Fatimata, Haoua, Hawawa, Kadidja, Khadija, Lalla, Lalla Aïcha, Lélla, Mama, Mariam,
			Mariama, Mina, Mounira, Nana, Raïchatou, Safia, Tadjou, Tafa, Tahaya, Takadit, Takia,
			Tanat, Tayba, Tilla, Tina, Tinhinan, Toumast, Zahra, Zara, Zeinaba, Tahanint`),
		familyM: prefixed("Ag ", tamasheqFathers),
		familyF: prefixed("Walet ", tamasheqFathers),
	}
	p[kanuri] = pool{
		male: list(`Abatcha, Abba, Aboubakar, Abdoulkadri, Adam, Alifa, Alkali, Ari, Baba,
			Bachir, Boukar, Boulama, Bukar, Goni, Grema, Hassan, Ibrahim, Issa, Kachalla, Kadri,
			Kiari, Kolo, Koura, Laminou, Lawan, Mahamat, Malam, Mamadou, Modou, Mustapha, Oumar,
			Sanda, Sani, Tchiroma, Tijani, Yerima, Zanna, Maïna, Kaigama, Abdou`),
		female: list(`Adama, Aïcha, Amina, Aminatou, Bintou, Fanna, Falmata, Fanta, Fatimata,
			Fatimé, Gana, Habiba, Hadiza, Hadjara, Hassana, Hawa, Hawaou, Inna, Kaka, Kaltouma,
			Kaltoumi, Kellou, Lami, Mairam, Mairo, Mariama, Maryam, Nana, Rakiya, Safiya,
			Saratou, Yagana, Yakaka, Ya Bintou, Zara, Zenaba, Yagoumi, Kalla, Ya Kaka, Ramatou`),
		familyM: list(`Abatcha, Abba, Adam, Alifa, Ari, Bana, Boukar, Boulama, Bukar, Goni,
			Grema, Kachalla, Kaigama, Kiari, Kolo, Kyari, Lawan, Mahamat, Maïna, Malam, Mamadou,
			Modou, Moussa, Mustapha, Sanda, Tchari, Tijani, Yerima, Zanna, Ali`),
	}
	for i := range p {
		if p[i].familyF == nil {
			p[i].familyF = p[i].familyM
		}
	}
	return p
}()

// pastoral reports whether a group is mostly pastoralist, which makes its
// members more often herders.
func pastoral(group int) bool { return group == fulfulde || group == tamasheq }

// regionGroups gives the share of each group (hausa, zarma, fulfulde,
// tamasheq, kanuri) among a region's residents, roughly as the 2012 census
// and ethnographic atlases report them; smaller groups (Toubou, Arabs,
// Gourmantché) are folded into their nearest neighbours.
var regionGroups = map[string][numPools]float64{
	"NE.AG": {18, 7, 8, 60, 7},
	"NE.DF": {16, 4, 14, 6, 60},
	"NE.DS": {38, 50, 9, 2, 1},
	"NE.MA": {82, 3, 9, 5, 1},
	"NE.NI": {30, 52, 9, 5, 4},
	"NE.TH": {62, 7, 10, 20, 1},
	"NE.TL": {10, 62, 12, 14, 2},
	"NE.ZI": {70, 1, 9, 5, 15},
}

// groupsAt adjusts a region's shares for where in the region a commune
// lies: Tamasheq live mostly in the north of Tahoua and Tillabéri, Kanuri
// in the east of Zinder. It returns cumulative shares.
func groupsAt(region string, regionLabel, at area.Point) [numPools]float64 {
	w := regionGroups[region]
	north := at.Lat > regionLabel.Lat+0.3
	east := at.Lon > regionLabel.Lon+0.3
	switch {
	case region == "NE.TH" && north:
		w[tamasheq] *= 3
	case region == "NE.TL" && north:
		w[tamasheq] *= 2
	case region == "NE.ZI" && east:
		w[kanuri] *= 4
	}
	var cum [numPools]float64
	total := 0.0
	for i, x := range w {
		total += x
		cum[i] = total
	}
	for i := range cum {
		cum[i] /= total
	}
	return cum
}

// towns are real towns of each region, used only to give organisations
// plausible names ("Clinique Alheri de Dogondoutchi"); the synthetic
// departments map onto them in turn.
var regionTowns = map[string][]string{
	"NE.AG": list("Agadez, Arlit, Bilma, Iférouane, Ingall, Tchirozérine, Aderbissinat, Dirkou"),
	"NE.DF": list("Diffa, Mainé-Soroa, N'Guigmi, Goudoumaria, Bosso, N'Gourti, Chétimari"),
	"NE.DS": list("Dosso, Birni N'Gaouré, Dogondoutchi, Gaya, Loga, Dioundiou, Falmey, Tibiri"),
	"NE.MA": list("Maradi, Tessaoua, Dakoro, Madarounfa, Aguié, Guidan Roumdji, Mayahi, Gazaoua"),
	"NE.NI": list("Niamey"),
	"NE.TH": list("Tahoua, Birni N'Konni, Madaoua, Bouza, Illéla, Keita, Abalak, Tchintabaraden, Tillia"),
	"NE.TL": list("Tillabéri, Téra, Filingué, Ouallam, Say, Kollo, Torodi, Ayorou, Abala, Banibangou"),
	"NE.ZI": list("Zinder, Magaria, Mirriah, Matamèye, Tanout, Gouré, Kantché, Dungass, Takeita"),
}
