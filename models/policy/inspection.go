package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// DrawAlgorithm describes the inspection draw (抽查) so anyone can repeat it from the seed.
const DrawAlgorithm = "n = max(1, ceil(population × percent / 100)); for every claim id of the population compute " +
	"sha256(seed + \":\" + id) as lowercase hex; sort the ids by that hex (then by id); the first n ids are drawn, listed in ascending id order"

// DrawSize is how many of population claims a percent draws: at least one when any exist.
func DrawSize(population, percent int) int {
	if population <= 0 {
		return 0
	}
	return min(population, max(1, ceilDiv(population*percent, 100)))
}

// DrawKey is the sort key of a claim in a draw: sha256(seed:id) in hex.
func DrawKey(seed string, id int64) string {
	sum := sha256.Sum256([]byte(seed + ":" + strconv.FormatInt(id, 10)))
	return hex.EncodeToString(sum[:])
}

// Draw picks percent of the population by DrawAlgorithm; the same seed and population always
// give the same claims.
func Draw(seed string, population []int64, percent int) []int64 {
	ids := slices.Clone(population)
	keys := make(map[int64]string, len(ids))
	for _, id := range ids {
		keys[id] = DrawKey(seed, id)
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if c := strings.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		return int(a - b)
	})
	drawn := ids[:DrawSize(len(ids), percent)]
	slices.Sort(drawn)
	return drawn
}
