package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"portal/models"
)

// townRef is a professional town as the generator uses it: its database id and its words.
type townRef struct {
	ID              int64
	Name            string `json:"name"`
	County          string `json:"county"`
	LeadingIndustry string `json:"leading_industry"`
}

// occupationRef is a catalogue occupation with the words job seekers use for it.
type occupationRef struct {
	Name     string   `json:"name"`
	Synonyms []string `json:"synonyms"`
}

// catalog is the reference data the synthetic postings are made of.
type catalog struct {
	towns       []townRef
	occupations []occupationRef
}

// loadCatalog reads the seed files of the repository; a town's id is its position in
// towns.json, as a fresh `portal seed` assigns it, until useTownIDs says otherwise.
func loadCatalog(root string) (catalog, error) {
	var cat catalog
	read := func(name string, v any) error {
		b, err := os.ReadFile(filepath.Join(root, "models", "seeddata", name))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	if err := read("towns.json", &cat.towns); err != nil {
		return cat, err
	}
	if err := read("occupations.json", &cat.occupations); err != nil {
		return cat, err
	}
	if len(cat.towns) == 0 || len(cat.occupations) == 0 {
		return cat, fmt.Errorf("the seed files hold %d towns and %d occupations", len(cat.towns), len(cat.occupations))
	}
	for i := range cat.towns {
		cat.towns[i].ID = int64(i + 1)
	}
	return cat, nil
}

// useTownIDs takes the towns' ids from the database the postings will be imported into.
func (c *catalog) useTownIDs(towns []models.Town) error {
	ids := make(map[string]int64, len(towns))
	for _, t := range towns {
		ids[t.Name] = t.ID
	}
	for i, t := range c.towns {
		id, ok := ids[t.Name]
		if !ok {
			return fmt.Errorf("town %s is not in the database (run `portal seed`)", t.Name)
		}
		c.towns[i].ID = id
	}
	return nil
}

// townTrades names the occupations typical of a town, by a word of the town's name; a
// posting of that town picks one of them more often than any other occupation.
var townTrades = []struct {
	word        string
	occupations []string
}{
	{"老陈醋", []string{"食醋酿造工", "质检员", "化学检验员", "叉车司机"}},
	{"汾酒", []string{"白酒酿造工", "品酒师", "质检员", "仓储管理员"}},
	{"法兰", []string{"锻造工", "数控车工", "热处理工", "车工", "焊工"}},
	{"玛钢", []string{"铸造工", "热处理工", "机械装配工", "质检员"}},
	{"玻璃器皿", []string{"玻璃制品工", "质检员", "网络营销员"}},
	{"推光漆", []string{"漆器制作工", "电子商务师"}},
	{"牛肉", []string{"肉制品加工工", "质检员", "网络营销员"}},
	{"陶瓷", []string{"陶瓷成型工", "陶瓷装饰工", "叉车司机"}},
	{"黄酒", []string{"黄酒酿造工", "品酒师"}},
	{"中药材", []string{"中药材种植员", "化学检验员"}},
	{"铸造", []string{"铸造工", "焊工", "机修钳工", "叉车司机"}},
	{"耐火材料", []string{"耐火材料成型工", "化学检验员", "叉车司机"}},
	{"水泵", []string{"机械装配工", "钳工", "数控车工", "电工"}},
	{"纺机液压", []string{"数控车工", "钳工", "机修钳工", "机械装配工"}},
	{"黄花", []string{"果树工", "电子商务师", "仓储管理员"}},
	{"香梨", []string{"果树工", "物流服务师", "电子商务师"}},
	{"苹果", []string{"果树工", "农机修理工", "网络营销员"}},
	{"小米", []string{"农机修理工", "电子商务师", "仓储管理员"}},
	{"古建", []string{"漆器制作工", "电工", "普工"}},
	{"金属镁", []string{"热处理工", "化学检验员", "电工"}},
	{"粉末冶金", []string{"数控车工", "热处理工", "质检员"}},
	{"铝精深加工", []string{"焊工", "数控车工", "叉车司机"}},
	{"菊花", []string{"中药材种植员", "电子商务师"}},
	{"蛋鸡", []string{"家禽饲养员", "快递员", "物流服务师"}},
	{"面食", []string{"中式面点师", "面包师", "中式烹调师"}},
}

var (
	// titleForms take the occupation word as %[1]s and the town's short name as %[2]s.
	titleForms = []string{"%[1]s", "招聘%[1]s", "急招%[1]s", "熟练%[1]s", "%[1]s学徒", "高级%[1]s", "%[2]s%[1]s",
		"%[1]s（长白班）", "%[1]s（两班倒）", "%[1]s（包吃住）", "%[1]s数名", "%[1]s/储备骨干"}
	duties = []string{
		"负责%s岗位的日常生产任务，按工艺文件和作业指导书操作",
		"服从班组长安排，完成%s相关工作并填写生产记录",
		"做好设备日常点检、清洁和保养，发现异常及时上报",
		"严格执行安全操作规程和质量标准，保证产品合格率",
		"配合技术人员改进工艺，参与新员工带教",
		"做好本岗位的现场6S管理和交接班工作",
	}
	benefits = []string{"五险一金", "包吃包住", "提供免费宿舍", "工作餐补贴", "节日福利", "年终奖金", "带薪年假",
		"定期体检", "免费技能培训", "交通补贴", "全勤奖", "计件工资多劳多得", "取证费用公司承担"}
	schedules = []string{"长白班，月休4天", "两班倒，每班8小时，倒班有补贴", "做六休一，法定节假日正常休息",
		"弹性工作时间", "旺季加班按国家规定支付加班费"}
	// educationWeights and employmentWeights follow what county-town employers ask for.
	educationWeights = []weighted{{"不限", 30}, {"初中", 15}, {"高中", 15}, {"中专", 15}, {"大专", 15},
		{"本科", 8}, {"硕士", 1.5}, {"博士", 0.5}}
	employmentWeights = []weighted{{"full_time", 75}, {"part_time", 10}, {"internship", 7}, {"seasonal", 8}}
)

// weighted is a value with its relative frequency.
type weighted struct {
	value  string
	weight float64
}

func pick(r *rand.Rand, ws []weighted) string {
	total := 0.0
	for _, w := range ws {
		total += w.weight
	}
	x := r.Float64() * total
	for _, w := range ws {
		if x -= w.weight; x < 0 {
			return w.value
		}
	}
	return ws[len(ws)-1].value
}

// postingGenerator makes realistic, valid postings, the same ones for the same seed and day.
type postingGenerator struct {
	cat   catalog
	rng   *rand.Rand
	today time.Time // the day in China the postings are valid from
	byOcc map[string]occupationRef
	local map[int64][]string // town id → its typical occupations
}

func newPostingGenerator(cat catalog, seed int64, now time.Time) *postingGenerator {
	g := &postingGenerator{cat: cat, rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		byOcc: map[string]occupationRef{}, local: map[int64][]string{}}
	g.today, _ = models.ParseDate(models.Today(now))
	for _, o := range cat.occupations {
		g.byOcc[o.Name] = o
	}
	for _, t := range cat.towns {
		for _, tt := range townTrades {
			if !strings.Contains(t.Name, tt.word) {
				continue
			}
			for _, name := range tt.occupations {
				if _, ok := g.byOcc[name]; ok {
					g.local[t.ID] = append(g.local[t.ID], name)
				}
			}
		}
	}
	return g
}

// next returns one posting that passes every rule of the import.
func (g *postingGenerator) next() models.JobInput {
	r := g.rng
	town := g.cat.towns[r.IntN(len(g.cat.towns))]
	occ := g.cat.occupations[r.IntN(len(g.cat.occupations))]
	if local := g.local[town.ID]; len(local) > 0 && r.IntN(100) < 60 {
		occ = g.byOcc[local[r.IntN(len(local))]]
	}
	word := occ.Name
	if len(occ.Synonyms) > 0 && r.IntN(100) < 30 {
		word = occ.Synonyms[r.IntN(len(occ.Synonyms))]
	}
	place := strings.TrimSuffix(town.Name, "专业镇")
	title := fmt.Sprintf(titleForms[r.IntN(len(titleForms))], word, place)

	employment := pick(r, employmentWeights)
	education := pick(r, educationWeights)
	headcount := 1 + r.IntN(10)
	if r.IntN(10) == 0 {
		headcount = 10 + r.IntN(41)
	}
	salaryMin := 3000 + r.IntN(41)*100 // 3,000 to 7,000 a month
	if employment == "part_time" || employment == "internship" {
		salaryMin = 1800 + r.IntN(13)*100
	}
	salaryMax := (salaryMin*(120+r.IntN(81))/100 + 99) / 100 * 100 // 1.2 to 2 times the minimum
	expires := g.today.AddDate(0, 0, 1+r.IntN(models.MaxPostingDays))

	return models.JobInput{
		Title: title, Occupation: occ.Name, TownID: town.ID, SalaryMin: salaryMin, SalaryMax: salaryMax,
		Headcount: headcount, Education: education, EmploymentType: employment,
		ExpiresOn:   expires.Format(models.DateLayout),
		Description: g.description(town, occ.Name, word, education, headcount, salaryMin, salaryMax),
	}
}

func (g *postingGenerator) description(town townRef, occ, word, education string, headcount, salaryMin, salaryMax int) string {
	r := g.rng
	var b strings.Builder
	fmt.Fprintf(&b, "我公司位于%s%s，主营%s，因生产规模扩大招聘%s%d名。岗位职责：", town.County, town.Name, town.LeadingIndustry, word, headcount)
	first := r.IntN(len(duties))
	for i := range 2 + r.IntN(2) {
		fmt.Fprintf(&b, "%d.%s；", i+1, strings.ReplaceAll(duties[(first+i)%len(duties)], "%s", occ))
	}
	b.WriteString("任职要求：")
	if education == "不限" {
		b.WriteString("学历不限，")
	} else {
		b.WriteString(education + "及以上学历，")
	}
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "有%d年以上%s工作经验者优先，", 1+r.IntN(5), occ)
	} else {
		b.WriteString("无经验者可带薪培训上岗，")
	}
	if r.IntN(3) == 0 {
		fmt.Fprintf(&b, "持%s职业技能等级证书者优先，", occ)
	}
	b.WriteString("身体健康，责任心强。")
	fmt.Fprintf(&b, "工作时间：%s。待遇：月薪%d-%d元，", schedules[r.IntN(len(schedules))], salaryMin, salaryMax)
	start := r.IntN(len(benefits))
	for i := range 3 + r.IntN(3) {
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString(benefits[(start+i)%len(benefits)])
	}
	fmt.Fprintf(&b, "。有意者请在平台投递简历，或到%s人社局专业镇服务站咨询。", town.County)
	return b.String()
}

// importHeader is the header of `portal import jobs` files.
var importHeader = []string{"title", "description", "occupation", "town_id", "salary_min", "salary_max", "headcount", "education", "employment_type", "expires_on"}

// writePostingsCSV writes n synthetic postings as an import file; every row is checked
// against the posting rules first, so a bad row is a bug here, not a figure.
func writePostingsCSV(w io.Writer, cat catalog, n int, seed int64, now time.Time) error {
	g := newPostingGenerator(cat, seed, now)
	cw := csv.NewWriter(w)
	if err := cw.Write(importHeader); err != nil {
		return err
	}
	for i := range n {
		in := g.next()
		if err := models.CheckJob(in, now); err != nil {
			return fmt.Errorf("generated posting %d (%q) breaks a rule: %w", i+1, in.Title, err)
		}
		row := []string{in.Title, in.Description, in.Occupation, strconv.FormatInt(in.TownID, 10),
			strconv.Itoa(in.SalaryMin), strconv.Itoa(in.SalaryMax), strconv.Itoa(in.Headcount),
			in.Education, in.EmploymentType, in.ExpiresOn}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writePostingsFile writes the import file at path.
func writePostingsFile(path string, cat catalog, n int, seed int64, now time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writePostingsCSV(f, cat, n, seed, now); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
