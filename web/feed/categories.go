package feed

import (
	"fmt"
	"slices"
	"strings"
)

// appleCategories is Apple Podcasts' category list with subcategories.
// Apple matches the text exactly (case and "&" included) and refuses a
// channel with any other value, so the configuration is checked against it
// at start-up rather than by the directory weeks later.
var appleCategories = map[string][]string{
	"Arts":                    {"Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"},
	"Business":                {"Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"},
	"Comedy":                  {"Comedy Interviews", "Improv", "Stand-Up"},
	"Education":               {"Courses", "How To", "Language Learning", "Self-Improvement"},
	"Fiction":                 {"Comedy Fiction", "Drama", "Science Fiction"},
	"Government":              nil,
	"History":                 nil,
	"Health & Fitness":        {"Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"},
	"Kids & Family":           {"Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"},
	"Leisure":                 {"Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden", "Video Games"},
	"Music":                   {"Music Commentary", "Music History", "Music Interviews"},
	"News":                    {"Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News", "Tech News"},
	"Religion & Spirituality": {"Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality"},
	"Science":                 {"Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences", "Nature", "Physics", "Social Sciences"},
	"Society & Culture":       {"Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"},
	"Sports":                  {"Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"},
	"Technology":              nil,
	"True Crime":              nil,
	"TV & Film":               {"After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"},
}

// splitCategory parses "Category" or "Category/Subcategory".
func splitCategory(s string) (category, subcategory string, err error) {
	category, subcategory, _ = strings.Cut(s, "/")
	category, subcategory = strings.TrimSpace(category), strings.TrimSpace(subcategory)
	subs, ok := appleCategories[category]
	if !ok {
		return "", "", fmt.Errorf("%w: %q is not an Apple Podcasts category (e.g. \"News\" or \"News/Daily News\")", ErrInvalidSettings, category)
	}
	if subcategory != "" && len(subs) == 0 {
		return "", "", fmt.Errorf("%w: category %q has no subcategories", ErrInvalidSettings, category)
	}
	if subcategory != "" && !slices.Contains(subs, subcategory) {
		return "", "", fmt.Errorf("%w: %q is not a subcategory of %q (one of %s)", ErrInvalidSettings, subcategory, category, strings.Join(subs, ", "))
	}
	return category, subcategory, nil
}
