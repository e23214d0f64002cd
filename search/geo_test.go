package search

import (
	"slices"
	"testing"

	"portal/models"
)

func TestTownsByDistance(t *testing.T) {
	at := func(id int64, km float64) models.Town {
		g := kmNorth(taiyuan, km)
		return models.Town{ID: id, Lat: g.Lat, Lng: g.Lng}
	}
	towns := []models.Town{at(5, 100), at(2, 10), {ID: 9, Lat: 1000}, at(7, 10), at(1, 0), at(3, 49.9), at(4, 50.2)}
	t.Run("the towns within a radius, its edge included", func(t *testing.T) {
		for _, tc := range []struct {
			km   int
			want []int64
		}{{0, []int64{1}}, {10, []int64{2, 7, 1}}, {50, []int64{2, 7, 1, 3}}, {500, []int64{5, 2, 7, 1, 3, 4}}} {
			if got := TownsWithin(towns, taiyuan, tc.km); !slices.Equal(got, tc.want) {
				t.Errorf("within %d km: %v, want %v", tc.km, got, tc.want)
			}
		}
	})
	t.Run("rings outwards, towns at one distance together, a town without a point last", func(t *testing.T) {
		got := townRings(towns, taiyuan)
		want := [][]int64{{1}, {2, 7}, {3}, {4}, {5}, {9}}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("rings %v, want %v", got, want)
		}
	})
	t.Run("distances agree with a degree of latitude", func(t *testing.T) {
		if d := distanceKm(taiyuan, kmNorth(taiyuan, 111.2)); d < 111.0 || d > 111.4 {
			t.Fatalf("one degree north: %.2f km", d)
		}
	})
}
