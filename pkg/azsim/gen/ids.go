package gen

import (
	"math/rand/v2"
	"strconv"
)

// Every random choice the generator makes comes from a stream named by (seed, kind, index): entity i of
// kind k is generated from its own PCG, so it depends only on the seed, the kind, its index and the spec's
// counts, never on the order in which other entities were generated. Object ids are derived from the same
// triple by hashing, so any entity's id can be computed without generating it.

// kindHash is FNV-1a over the kind name.
func kindHash(kind string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(kind); i++ {
		h ^= uint64(kind[i])
		h *= 1099511628211
	}
	return h
}

// mix64 is the SplitMix64 finalizer: a bijection on uint64 with good avalanche.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// streamKey returns the two 64-bit words that identify (seed, kind, i). For a fixed seed and kind, distinct
// indexes give distinct second words.
func streamKey(seed uint64, kind string, i int) (uint64, uint64) {
	k := mix64(seed ^ mix64(kindHash(kind)))
	return k, mix64(k ^ mix64(uint64(i)+0x9e3779b97f4a7c15))
}

// newRand returns the random stream of entity i of the given kind.
func newRand(seed uint64, kind string, i int) *rand.Rand {
	a, b := streamKey(seed, kind, i)
	return rand.New(rand.NewPCG(a, b))
}

// guid returns the deterministic, version-4 shaped, lower-case GUID of entity i of the given kind.
func guid(seed uint64, kind string, i int) string {
	a, b := streamKey(seed, kind, i)
	hi := mix64(b ^ 0x2545f4914f6cdd1d)
	lo := mix64(hi ^ a ^ 0xd6e8feb86659fd93)
	var raw [16]byte
	for j := 0; j < 8; j++ {
		raw[j] = byte(hi >> (56 - 8*j))
		raw[8+j] = byte(lo >> (56 - 8*j))
	}
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	return formatGUID(raw)
}

func formatGUID(raw [16]byte) string {
	const hexdigits = "0123456789abcdef"
	var out [36]byte
	p := 0
	for j, c := range raw {
		if j == 4 || j == 6 || j == 8 || j == 10 {
			out[p] = '-'
			p++
		}
		out[p] = hexdigits[c>>4]
		out[p+1] = hexdigits[c&0x0f]
		p += 2
	}
	return string(out[:])
}

// secretAlphabet is the character set of Entra client secrets.
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-"

// clientSecret returns a 40-character client secret shaped like the ones Entra issues ("xxx8Q~..."),
// derived from the seed and the registered app's index.
func clientSecret(seed uint64, app int) string {
	r := newRand(seed, "secret", app)
	b := make([]byte, 40)
	for j := range b {
		b[j] = secretAlphabet[r.IntN(len(secretAlphabet))]
	}
	copy(b[3:], "8Q~")
	return string(b)
}

// shortHash returns n lower-case base-36 characters derived from (seed, kind, i), for resource names that
// must look globally unique (storage accounts).
func shortHash(seed uint64, kind string, i, n int) string {
	_, b := streamKey(seed, kind, i)
	s := strconv.FormatUint(mix64(b), 36)
	for len(s) < n {
		s = "0" + s
	}
	return s[:n]
}

// pick returns a uniformly chosen element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }
