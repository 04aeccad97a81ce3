package plot
import ("testing";"os";"github.com/mailflow/mailflow/sim/event")
func TestMk(t *testing.T){ in:=os.Getenv("TRACE"); if in==""{t.Skip()}; f,_:=os.Open(in); ev,_:=event.ReadTrace(f)
 if err:=Save(os.Getenv("OUT"),ev,Options{});err!=nil{t.Fatal(err)} }
