package demo

// Buyers: platform nicks as the channels report them.

type buyerStyle uint8

const (
	buyerTaobao buyerStyle = iota
	buyerJD
	buyerPDD
	buyerDouyin
	buyerYouzan
	buyerCompany
	buyerManual
	buyerRU
	buyerEN
)

func (c *chanSpec) appendBuyer(b []byte, r *rng) []byte {
	switch c.buyerStyle {
	case buyerJD:
		return jdBuyer(b, r)
	case buyerPDD:
		return pddBuyer(b, r)
	case buyerDouyin:
		return douyinBuyer(b, r)
	case buyerYouzan:
		return youzanBuyer(b, r)
	case buyerCompany:
		return companyBuyer(b, r)
	case buyerManual:
		return manualBuyer(b, r)
	case buyerRU:
		return ruBuyer(b, r)
	case buyerEN:
		return enBuyer(b, r)
	}
	return tbBuyer(b, r)
}

var zhNicks = []string{"爱吃鱼的猫", "清风徐来", "小太阳", "木子李", "阿狸酱", "追风少年", "奶茶续命", "柠檬不萌", "山海",
	"早睡早起", "快乐的小鸟", "一只小胖子", "茶米油盐", "江南烟雨", "喵星人", "向日葵", "晴天", "半夏", "南风知我意", "老王"}

var pinyinNicks = []string{"wangxm", "lina", "zhangwei", "liufang", "chenjing", "yangyang", "huanglei", "zhaomin",
	"xiaoyu", "sunny_chen", "lucky_star", "tea_lover", "momo", "kiki", "dabao", "xiaopang"}

func tbBuyer(b []byte, r *rng) []byte {
	switch u := r.intn(10); {
	case u < 4:
		return appendRandDigits(append(b, "tb"...), r, 10)
	case u < 7:
		return appendSmall(append(b, pick(r, pinyinNicks)...), 1+r.intn(2025))
	}
	return append(b, pick(r, zhNicks)...)
}

func jdBuyer(b []byte, r *rng) []byte {
	if r.intn(2) == 0 {
		return appendHex(append(b, "jd_"...), r, 12)
	}
	return appendSmall(append(b, pick(r, pinyinNicks)...), 1+r.intn(2025))
}

func pddBuyer(b []byte, r *rng) []byte {
	if r.intn(2) == 0 {
		return appendRandDigits(append(b, "pdd"...), r, 11)
	}
	return append(b, pick(r, zhNicks)...)
}

func douyinBuyer(b []byte, r *rng) []byte {
	if r.intn(10) < 4 {
		return appendRandDigits(append(b, "用户"...), r, 10)
	}
	return append(b, pick(r, zhNicks)...)
}

func youzanBuyer(b []byte, r *rng) []byte {
	if r.intn(10) < 3 {
		return append(b, "微信用户"...)
	}
	return append(b, pick(r, zhNicks)...)
}

var companies = []string{"杭州茶语贸易有限公司", "义乌优品百货商行", "广州天河茗香茶行", "成都蜀韵文创有限公司",
	"深圳市礼尚往来礼品有限公司", "苏州姑苏丝绸坊", "厦门海风茶业有限公司"}

func companyBuyer(b []byte, r *rng) []byte { return append(b, pick(r, companies)...) }

var manualBuyers = []string{"门店自提 walk-in", "电话订单 phone order", "老客户 VIP", "展会订单 trade fair", "wholesale@partner"}

func manualBuyer(b []byte, r *rng) []byte { return append(b, pick(r, manualBuyers)...) }

var (
	ruLogins  = []string{"ivanov", "smirnova", "kuznetsov", "popova", "sokolov", "lebedeva", "kozlov", "novikova", "morozov", "volkova", "petrov", "orlova"}
	ruDomains = []string{"@mail.ru", "@yandex.ru", "@gmail.com", "@bk.ru", "@inbox.ru", "@list.ru"}
)

func ruBuyer(b []byte, r *rng) []byte {
	b = append(b, pick(r, ruLogins)...)
	b = appendNum(b, uint64(r.intn(100)), 2)
	return append(b, pick(r, ruDomains)...)
}

var (
	enLogins = []string{"james", "mary", "john", "patricia", "robert", "jen", "mike", "linda", "dave", "emily",
		"sarah", "dan", "chris", "jess", "olivia", "liam", "noah", "emma", "sophie", "lucas"}
	enLast  = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Clark", "Walker"}
	enLower = []string{"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "martinez", "wilson", "anderson", "taylor", "thomas", "moore", "martin", "lee", "clark", "walker"}
	enFirst = []string{"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Emily",
		"Sarah", "Daniel", "Chris", "Jessica", "Olivia", "Liam", "Noah", "Emma", "Sophie", "Lucas"}
)

func enBuyer(b []byte, r *rng) []byte {
	b = append(b, pick(r, enLogins)...)
	if r.intn(2) == 0 {
		return appendSmall(b, 1+r.intn(99))
	}
	return append(append(b, '.'), pick(r, enLower)...)
}

// Consignees.

var (
	zhSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
		"何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "欧阳", "司马"}
	zhGiven = []string{"小明", "娜", "伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
		"涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "子涵", "浩然", "雨桐", "梓萱", "一诺", "思远"}
)

func appendZhName(b []byte, r *rng) []byte {
	return append(append(b, pick(r, zhSurnames)...), pick(r, zhGiven)...)
}

// appendCNPhone writes a mainland mobile number: 11 digits starting 13, 15, 17, 18 or 19.
func appendCNPhone(b []byte, r *rng) []byte {
	b = append(b, '1', "35789"[r.intn(5)])
	return appendRandDigits(b, r, 9)
}

type cnCity struct {
	province, city string // province is empty for the municipalities
	districts      []string
}

var cnCities = []cnCity{
	{"浙江省", "杭州市", []string{"西湖区", "余杭区", "滨江区", "拱墅区"}},
	{"浙江省", "宁波市", []string{"鄞州区", "海曙区"}},
	{"浙江省", "金华市", []string{"义乌市", "婺城区"}},
	{"广东省", "深圳市", []string{"南山区", "福田区", "宝安区", "龙岗区"}},
	{"广东省", "广州市", []string{"天河区", "越秀区", "海珠区", "番禺区"}},
	{"江苏省", "南京市", []string{"鼓楼区", "玄武区", "江宁区"}},
	{"江苏省", "苏州市", []string{"姑苏区", "吴中区", "昆山市"}},
	{"", "上海市", []string{"浦东新区", "徐汇区", "静安区", "闵行区"}},
	{"", "北京市", []string{"朝阳区", "海淀区", "东城区", "丰台区"}},
	{"", "重庆市", []string{"渝中区", "江北区"}},
	{"四川省", "成都市", []string{"武侯区", "锦江区", "高新区"}},
	{"湖北省", "武汉市", []string{"洪山区", "江汉区", "武昌区"}},
	{"山东省", "青岛市", []string{"市南区", "崂山区"}},
	{"福建省", "厦门市", []string{"思明区", "湖里区"}},
	{"陕西省", "西安市", []string{"雁塔区", "碑林区"}},
	{"湖南省", "长沙市", []string{"岳麓区", "天心区"}},
	{"河南省", "郑州市", []string{"金水区", "二七区"}},
	{"云南省", "昆明市", []string{"五华区", "盘龙区"}},
}

var (
	cnRoads = []string{"文三路", "中山路", "人民路", "解放路", "建设路", "学院路", "长江路", "黄河路", "科技园路", "延安西路",
		"南京东路", "天府大道", "东风路", "和平路", "新华街", "光明路", "滨江大道", "五一路"}
	cnCompounds = []string{"阳光花园", "金色家园", "翠苑一区", "万科城", "绿城桂花园", "碧桂园", "世纪新城", "锦绣江南"}
)

// appendCNAddress writes 省 市 区 路 号, often with the housing estate, building, unit and flat.
func appendCNAddress(b []byte, r *rng) []byte {
	c := &cnCities[r.intn(len(cnCities))]
	b = append(b, c.province...)
	b = append(b, c.city...)
	b = append(b, pick(r, c.districts)...)
	b = append(b, pick(r, cnRoads)...)
	b = appendSmall(b, 1+r.intn(999))
	b = append(b, "号"...)
	if r.intn(10) < 6 {
		b = append(b, pick(r, cnCompounds)...)
		b = appendSmall(b, 1+r.intn(30))
		b = append(b, "栋"...)
		b = appendSmall(b, 1+r.intn(4))
		b = append(b, "单元"...)
		b = appendSmall(b, (1+r.intn(32))*100+1+r.intn(6))
		b = append(b, "室"...)
	}
	return b
}

var (
	ruMale      = []string{"Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Николай", "Павел"}
	ruFemale    = []string{"Ольга", "Анна", "Мария", "Екатерина", "Наталья", "Татьяна", "Елена", "Юлия"}
	ruSurnames  = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов", "Волков", "Петров", "Орлов"}
	ruPatronyms = []string{"Сергеев", "Иванов", "Андреев", "Михайлов", "Александров", "Николаев"}
)

// appendRuName writes "Фамилия Имя" and sometimes the patronymic, in the right gender.
func appendRuName(b []byte, r *rng) []byte {
	female := r.intn(2) == 0
	b = append(b, pick(r, ruSurnames)...)
	if female {
		b = append(b, "а"...)
	}
	b = append(b, ' ')
	if female {
		b = append(b, pick(r, ruFemale)...)
	} else {
		b = append(b, pick(r, ruMale)...)
	}
	if r.intn(10) < 3 {
		b = append(append(b, ' '), pick(r, ruPatronyms)...)
		if female {
			b = append(b, "на"...)
		} else {
			b = append(b, "ич"...)
		}
	}
	return b
}

// appendRUPhone writes +7 9XX XXX-XX-XX.
func appendRUPhone(b []byte, r *rng) []byte {
	b = appendRandDigits(append(b, "+7 9"...), r, 2)
	b = appendRandDigits(append(b, ' '), r, 3)
	b = appendRandDigits(append(b, '-'), r, 2)
	return appendRandDigits(append(b, '-'), r, 2)
}

type ruCity struct {
	name, postal string // postal is the first four digits of its postcodes
	streets      []string
}

var ruCities = []ruCity{
	{"Москва", "1250", []string{"ул. Тверская", "ул. Арбат", "Ленинский пр-т", "ул. Профсоюзная"}},
	{"Санкт-Петербург", "1910", []string{"Невский пр-т", "ул. Садовая", "Лиговский пр-т"}},
	{"Новосибирск", "6300", []string{"ул. Ленина", "Красный пр-т"}},
	{"Екатеринбург", "6200", []string{"ул. Малышева", "ул. Вайнера"}},
	{"Казань", "4200", []string{"ул. Баумана", "ул. Пушкина"}},
	{"Нижний Новгород", "6030", []string{"ул. Большая Покровская", "ул. Рождественская"}},
	{"Краснодар", "3500", []string{"ул. Красная", "ул. Северная"}},
	{"Владивосток", "6900", []string{"ул. Светланская", "Океанский пр-т"}},
	{"Самара", "4430", []string{"ул. Ленинградская", "Московское ш."}},
}

// appendRUAddress writes "125009, г. Москва, ул. Тверская, д. 12, кв. 34".
func appendRUAddress(b []byte, r *rng) []byte {
	c := &ruCities[r.intn(len(ruCities))]
	b = appendNum(append(b, c.postal...), uint64(r.intn(100)), 2)
	b = append(append(append(b, ", г. "...), c.name...), ", "...)
	b = append(b, pick(r, c.streets)...)
	b = appendSmall(append(b, ", д. "...), 1+r.intn(150))
	if r.intn(4) == 0 {
		b = appendSmall(append(b, ", корп. "...), 1+r.intn(5))
	}
	if r.intn(10) < 8 {
		b = appendSmall(append(b, ", кв. "...), 1+r.intn(300))
	}
	return b
}

func appendEnName(b []byte, r *rng) []byte {
	return append(append(append(b, pick(r, enFirst)...), ' '), pick(r, enLast)...)
}

// Western destinations, each with its own address and phone conventions. Phone numbers
// use the ranges reserved for fiction where a country has one (555-01xx, 07700 900xxx).

const (
	usC = iota
	gbC
	deC
	frC
	caC
	auC
)

type enCountry struct {
	code    string
	places  [][3]string // city, postcode prefix, region
	streets []string
	areas   []string // telephone area codes, where the number has one
}

const upper = "ABDEFGHJLNPQRSTUWXYZ"

var enCountries = []enCountry{
	usC: {code: "US",
		places: [][3]string{{"Austin", "787", "TX"}, {"Portland", "972", "OR"}, {"Brooklyn", "112", "NY"},
			{"San Jose", "951", "CA"}, {"Seattle", "981", "WA"}, {"Denver", "802", "CO"}, {"Columbus", "432", "OH"},
			{"Springfield", "627", "IL"}, {"Miami", "331", "FL"}},
		streets: []string{"Maple Ave", "Oak St", "Main St", "Elm St", "Cedar Ln", "Park Blvd", "Washington St", "Lakeview Dr", "2nd Ave"},
		areas:   []string{"512", "503", "718", "408", "206", "720", "614", "305"},
	},
	gbC: {code: "GB",
		places: [][3]string{{"London", "NW1"}, {"London", "SE1"}, {"Manchester", "M1"}, {"Leeds", "LS1"},
			{"Bristol", "BS1"}, {"Edinburgh", "EH1"}},
		streets: []string{"High Street", "Station Road", "Church Lane", "Victoria Road", "Baker Street", "Queen's Road"},
	},
	deC: {code: "DE",
		places:  [][3]string{{"Berlin", "101"}, {"München", "803"}, {"Hamburg", "203"}, {"Köln", "506"}, {"Frankfurt am Main", "603"}},
		streets: []string{"Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße"},
	},
	frC: {code: "FR",
		places:  [][3]string{{"Paris", "750"}, {"Lyon", "690"}, {"Marseille", "130"}, {"Toulouse", "310"}},
		streets: []string{"rue de la Paix", "avenue Victor Hugo", "boulevard Voltaire", "rue du Moulin", "place Bellecour"},
	},
	caC: {code: "CA",
		places:  [][3]string{{"Toronto", "M5H", "ON"}, {"Vancouver", "V6B", "BC"}, {"Montréal", "H2X", "QC"}, {"Calgary", "T2P", "AB"}},
		streets: []string{"King St W", "Queen St E", "Main St", "Rue Sainte-Catherine", "Bay St"},
		areas:   []string{"416", "604", "514", "403"},
	},
	auC: {code: "AU",
		places:  [][3]string{{"Sydney", "2", "NSW"}, {"Melbourne", "3", "VIC"}, {"Brisbane", "4", "QLD"}, {"Perth", "6", "WA"}},
		streets: []string{"George St", "Collins St", "Queen St", "Hay St", "Pitt St"},
	},
}

func appendEnPhone(b []byte, r *rng, ci int) []byte {
	switch ci {
	case usC, caC: // +1 512-555-0142
		b = append(append(b, "+1 "...), pick(r, enCountries[ci].areas)...)
		return appendRandDigits(append(b, "-555-01"...), r, 2)
	case gbC: // +44 7700 900123
		return appendRandDigits(append(b, "+44 7700 900"...), r, 3)
	case deC: // +49 151 12345678
		b = appendRandDigits(append(b, "+49 15"...), r, 1)
		return appendRandDigits(append(b, ' '), r, 8)
	case frC: // +33 6 12 34 56 78
		b = append(b, "+33 6"...)
		for range 4 {
			b = appendRandDigits(append(b, ' '), r, 2)
		}
		return b
	}
	// AU: +61 412 345 678
	b = appendRandDigits(append(b, "+61 4"...), r, 2)
	b = appendRandDigits(append(b, ' '), r, 3)
	return appendRandDigits(append(b, ' '), r, 3)
}

func appendEnAddress(b []byte, r *rng, ci int) []byte {
	c := &enCountries[ci]
	p := c.places[r.intn(len(c.places))]
	street := pick(r, c.streets)
	switch ci {
	case usC: // 1234 Maple Ave, Apt 5, Austin, TX 78704
		b = append(append(appendSmall(b, 1+r.intn(9999)), ' '), street...)
		if r.intn(3) == 0 {
			b = appendSmall(append(b, ", Apt "...), 1+r.intn(40))
		}
		b = append(append(append(append(b, ", "...), p[0]...), ", "...), p[2]...)
		return appendNum(append(append(b, ' '), p[1]...), uint64(r.intn(100)), 2)
	case gbC: // 12 Baker Street, London NW1 6XE
		b = append(append(appendSmall(b, 1+r.intn(200)), ' '), street...)
		b = append(append(append(append(append(b, ", "...), p[0]...), ' '), p[1]...), ' ')
		return append(b, byte('1'+r.intn(9)), upper[r.intn(len(upper))], upper[r.intn(len(upper))])
	case deC: // Hauptstraße 12, 10115 Berlin
		b = appendSmall(append(append(b, street...), ' '), 1+r.intn(120))
		b = appendNum(append(append(b, ", "...), p[1]...), uint64(r.intn(100)), 2)
		return append(append(b, ' '), p[0]...)
	case frC: // 12 rue de la Paix, 75002 Paris
		b = append(append(appendSmall(b, 1+r.intn(150)), ' '), street...)
		b = appendNum(append(append(b, ", "...), p[1]...), uint64(r.intn(20)), 2)
		return append(append(b, ' '), p[0]...)
	case caC: // 88 King St W, Toronto, ON M5H 1A1
		b = append(append(appendSmall(b, 1+r.intn(900)), ' '), street...)
		b = append(append(append(append(append(append(b, ", "...), p[0]...), ", "...), p[2]...), ' '), p[1]...)
		return append(b, ' ', byte('1'+r.intn(9)), upper[r.intn(len(upper))], byte('0'+r.intn(10)))
	}
	// AU: 5 George St, Sydney NSW 2000
	b = append(append(appendSmall(b, 1+r.intn(300)), ' '), street...)
	b = append(append(append(append(append(append(b, ", "...), p[0]...), ' '), p[2]...), ' '), p[1]...)
	return appendNum(b, uint64(r.intn(1000)), 3)
}

// The catalogue: tea, teaware and gifts, titled for each locale, priced in CNY and converted
// to shelf prices in RUB (ending in 9 roubles) and USD (ending in .99).

type product struct {
	sku       string
	title     [3]string // by locale
	price     [3]int64  // minor units, by currency index
	wholesale int64     // CNY minor units, for 1688 buyers ordering by the case
}

var catalogue = buildCatalogue([]struct {
	cat        string
	zh, ru, en string
	fen        int64
}{
	{"TEA", "绿茶礼盒装", "Зелёный чай в подарочной коробке", "Green tea gift box", 14497},
	{"TEA", "西湖龙井 250g", "Чай Лунцзин «Колодец дракона», 250 г", "West Lake Longjing 250g", 26800},
	{"TEA", "安溪铁观音", "Чай улун Тегуаньинь", "Anxi Tieguanyin oolong", 15800},
	{"TEA", "武夷山大红袍", "Чай улун Да Хун Пао", "Wuyi Da Hong Pao rock oolong", 19800},
	{"TEA", "云南普洱茶饼 357g", "Пуэр шу, блин 357 г", "Yunnan pu-erh cake 357g", 8990},
	{"TEA", "福鼎白茶 白牡丹", "Белый чай Бай Му Дань", "Fuding white tea Bai Mu Dan", 13900},
	{"TEA", "正山小种红茶", "Красный чай Лапсанг Сушонг", "Lapsang souchong black tea", 7650},
	{"TEA", "祁门红茶", "Красный чай Кимун", "Keemun black tea", 6800},
	{"TEA", "茉莉花茶", "Жасминовый чай", "Jasmine green tea", 4580},
	{"TEA", "碧螺春", "Чай Би Ло Чунь", "Biluochun green tea", 11200},
	{"TEA", "凤凰单丛", "Улун Фэн Хуан Дань Цун", "Phoenix Dancong oolong", 16800},
	{"TEA", "金骏眉", "Красный чай Цзинь Цзюнь Мэй", "Jin Jun Mei black tea", 23800},
	{"TEA", "黄山毛峰", "Чай Хуаншань Маофэн", "Huangshan Maofeng green tea", 8800},
	{"TEA", "菊花茶", "Чай из хризантемы", "Chrysanthemum tea", 2990},
	{"TEA", "大麦茶", "Ячменный чай", "Roasted barley tea", 1990},
	{"TEA", "茶叶试饮装", "Набор чая для дегустации", "Tea sampler set", 5900},
	{"POT", "紫砂壶 西施壶", "Исинский чайник Си Ши", "Yixing clay teapot (Xi Shi)", 36800},
	{"POT", "陶瓷茶壶", "Керамический чайник", "Ceramic teapot", 12900},
	{"POT", "玻璃公道杯", "Стеклянный чахай", "Glass fair cup", 3900},
	{"POT", "盖碗 青花瓷", "Гайвань, сине-белый фарфор", "Blue-and-white porcelain gaiwan", 8600},
	{"POT", "旅行茶具套装", "Дорожный чайный набор", "Travel tea set", 14900},
	{"POT", "竹制茶盘", "Бамбуковая чабань", "Bamboo tea tray", 21900},
	{"POT", "铸铁壶", "Чугунный чайник тэцубин", "Cast iron kettle (tetsubin)", 45900},
	{"POT", "电热水壶", "Электрический чайник", "Electric kettle", 19900},
	{"POT", "茶滤网", "Ситечко для чая", "Tea strainer", 1280},
	{"POT", "茶道六君子", "Набор инструментов для чайной церемонии", "Tea ceremony tool set", 3500},
	{"POT", "建盏", "Пиала цзянь чжань", "Jian zhan tenmoku bowl", 28800},
	{"POT", "茶宠 金蟾", "Чайная фигурка «Золотая жаба»", "Tea pet golden toad", 2600},
	{"CUP", "品茗杯 6只装", "Пиалы, 6 шт.", "Tasting cups, set of 6", 4800},
	{"CUP", "双层玻璃杯", "Стакан с двойными стенками", "Double-wall glass cup", 3200},
	{"CUP", "保温杯 500ml", "Термокружка 500 мл", "Insulated tumbler 500ml", 7900},
	{"CUP", "熊猫马克杯", "Кружка «Панда»", "Panda mug", 3990},
	{"CUP", "骨瓷咖啡杯", "Кофейная чашка из костяного фарфора", "Bone china coffee cup", 6800},
	{"CUP", "便携泡茶杯", "Бутылка-заварник", "Portable tea infuser bottle", 5500},
	{"CUP", "日式茶碗", "Японская чайная чаша", "Japanese tea bowl", 4500},
	{"CUP", "情侣杯", "Парные кружки", "Couple mugs", 5900},
	{"SNK", "绿豆糕", "Пирожные из маша", "Mung bean cakes", 2280},
	{"SNK", "凤梨酥", "Ананасовое печенье", "Pineapple cakes", 3600},
	{"SNK", "牛轧糖", "Нуга", "Nougat candy", 2590},
	{"SNK", "坚果礼盒", "Подарочный набор орехов", "Mixed nuts gift box", 9800},
	{"SNK", "桂花糕", "Пирожные с османтусом", "Osmanthus cake", 1980},
	{"SNK", "麻花", "Хворост махуа", "Fried dough twists", 1590},
	{"SNK", "月饼礼盒", "Подарочный набор лунных пряников", "Mooncake gift box", 16800},
	{"SNK", "辣条", "Острые палочки латяо", "Spicy gluten strips", 990},
	{"HNY", "宁夏枸杞", "Ягоды годжи из Нинся", "Ningxia goji berries", 3980},
	{"HNY", "野生蜂蜜", "Дикий мёд", "Wild honey", 6800},
	{"HNY", "新疆红枣", "Финики цзао", "Red dates (jujube)", 2990},
	{"HNY", "桂圆干", "Сушёный лонган", "Dried longan", 3550},
	{"HNY", "黑糖姜茶", "Имбирный чай с тёмным сахаром", "Brown sugar ginger tea", 2490},
	{"SLK", "真丝围巾", "Шёлковый шарф", "Silk scarf", 19900},
	{"SLK", "真丝眼罩", "Шёлковая маска для сна", "Silk sleep mask", 4900},
	{"SLK", "苏绣团扇", "Веер с сучжоуской вышивкой", "Suzhou embroidered fan", 12800},
	{"SLK", "刺绣手帕", "Вышитый платок", "Embroidered handkerchief", 2800},
	{"SLK", "改良旗袍", "Платье ципао", "Qipao dress", 59900},
	{"SLK", "真丝枕套", "Шёлковая наволочка", "Silk pillowcase", 15900},
	{"GFT", "新年红包", "Красные конверты хунбао", "Lunar New Year red envelopes", 880},
	{"GFT", "中国结", "Китайский узел", "Chinese knot ornament", 1800},
	{"GFT", "书法毛笔套装", "Набор для каллиграфии", "Calligraphy brush set", 8800},
	{"GFT", "檀香线香", "Благовония «Сандал»", "Sandalwood incense", 3200},
	{"GFT", "手工剪纸", "Вырезки из бумаги цзяньчжи", "Handmade paper cutting", 2500},
	{"GFT", "熊猫公仔", "Плюшевая панда", "Panda plush toy", 6900},
	{"GFT", "茶叶罐", "Банка для чая", "Tea caddy", 4500},
})

func buildCatalogue(rows []struct {
	cat        string
	zh, ru, en string
	fen        int64
}) []product {
	out := make([]product, len(rows))
	seen := map[string]int{}
	for i, row := range rows {
		n := seen[row.cat]
		seen[row.cat]++
		roubles := (row.fen*128+9999)/10000*10 - 1 // 12.8 RUB per CNY, up to the next 9
		dollars := (row.fen*10/71+99)/100*100 - 1  // 7.1 CNY per USD, up to the next .99
		out[i] = product{
			sku:       "SKU-" + row.cat + "-" + string(appendNum(nil, uint64(17+n*23), 4)),
			title:     [3]string{zh: row.zh, ru: row.ru, en: row.en},
			price:     [3]int64{cny: row.fen, rub: roubles * 100, usd: dollars},
			wholesale: row.fen * 6 / 100 * 10, // 60%, to 0.10
		}
	}
	return out
}
