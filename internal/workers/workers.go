// Package workers shares numbered work among a few goroutines: the load
// a scenario plays from several clients at once and the benchmarks'
// rounds hand out message numbers the same way.
package workers

import (
	"sync"
	"sync/atomic"
)

// Numbered calls do(i) for each i from first up to end (not included) on
// n goroutines at once, each taking the next number still free. A worker
// stops when the numbers run out, when do returns an error or when do
// says not to go on; Numbered returns once all have stopped, with the
// first error any of them met.
func Numbered(n, first, end int, do func(i int) (goOn bool, err error)) error {
	var next atomic.Int64
	next.Store(int64(first))
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(end) {
					return
				}
				goOn, err := do(int(i))
				if err != nil {
					errs <- err
					return
				}
				if !goOn {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}
