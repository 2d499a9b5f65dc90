package gen

import "testing"

// BenchmarkGenerate measures generation time and allocation per preset. large is not part of normal test
// runs; run it with
//
//	go test -run x -bench Generate/large -benchtime 1x -benchmem ./pkg/azsim/gen/
func BenchmarkGenerate(b *testing.B) {
	for _, p := range []string{"tiny", "small", "medium", "large"} {
		b.Run(p, func(b *testing.B) {
			s, err := PresetSpec(p, 1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Generate(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
