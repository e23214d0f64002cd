package models

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

// Town is a professional town (专业镇) with its leading industry and output tier (亿元).
type Town struct {
	ID              int64   `json:"id"`
	Name            string  `json:"name"`
	County          string  `json:"county"`
	City            string  `json:"city"`
	LeadingIndustry string  `json:"leading_industry"`
	Tier            int     `json:"tier"`
	Lat             float64 `json:"lat"`
	Lng             float64 `json:"lng"`
}

// Towns lists every town, by city, county and name.
func (s *Store) Towns(ctx context.Context) ([]Town, error) {
	var towns []Town
	err := s.db.WithContext(ctx).Order("city, county, name").Find(&towns).Error
	return towns, err
}

// Town finds one town.
func (s *Store) Town(ctx context.Context, id int64) (Town, error) {
	var t Town
	err := s.db.WithContext(ctx).First(&t, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return t, NotFound("town")
	}
	return t, err
}

// Occupation is an entry of the training catalogue, with its standard training length and
// the words job seekers use for it.
type Occupation struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	StandardDays int      `json:"standard_days"`
	Synonyms     []string `json:"synonyms" gorm:"serializer:json"`
}

// Occupations lists the catalogue by name.
func (s *Store) Occupations(ctx context.Context) ([]Occupation, error) {
	var occ []Occupation
	err := s.db.WithContext(ctx).Order("name").Find(&occ).Error
	return occ, err
}
