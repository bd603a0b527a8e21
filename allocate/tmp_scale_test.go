package allocate
import ("testing";"time";"fmt";"slices")
func TestScaleTmp(t *testing.T){
	for _, sup := range []float64{10, 1} { sz := [2]int{10000,1000000}
		needs,cands := Generate(1, GenOptions{Needs: sz[0], Candidates: sz[1], Clusters: 10, Supply: sup, ClassNeeds: 0.2, MaxGiven: 3})
		st := time.Now()
		p, _ := prepare(needs,cands,benchOptions)
		s := newSolver(p, cands)
		s.run()
		fmt.Println(sz, sup, time.Since(st), searches, settledTotal, outcomes)
		zero:=0; for _,f:=range s.flows { if f.amount<=eps {zero++} }
		fmt.Println("flows", len(s.flows), "zero", zero, "short", len(s.proposal().Shortfalls))
		var tl []int; for _,o:=range s.owner { tl=append(tl,len(o.touched)) }
		slices.Sort(tl); fmt.Println("touched max", tl[len(tl)-5:])
		var ll []int; for _,n:=range s.need { ll=append(ll,len(n.list)) }
		slices.Sort(ll); fmt.Println("list max", ll[len(ll)-5:], "median", ll[len(ll)/2])
	}
}
