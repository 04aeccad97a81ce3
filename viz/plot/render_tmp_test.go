package plot
import ("testing";"os";"github.com/mailflow/mailflow/sim/event")
func TestRenderTmp(t *testing.T){
 in:=os.Getenv("TRACE"); if in==""{t.Skip()}
 f,_:=os.Open(in); ev,err:=event.ReadTrace(f); if err!=nil{t.Fatal(err)}
 c,_:=ParseChart(os.Getenv("CHART"))
 if err:=Save(os.Getenv("OUT"),ev,Options{Chart:c});err!=nil{t.Fatal(err)}
}
