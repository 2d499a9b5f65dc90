package connector

import (
	"fmt"

	"github.com/conductorone/baton-sdk/pkg/pagination"
)

// cursor walks the named phases of a listing (e.g. members, then owners, then PIM eligibilities), one
// page per SDK call, in a pagination.Bag so that page tokens are self-contained and resumable.
type cursor struct {
	bag *pagination.Bag
}

// newCursor restores a cursor from a page token, or starts at the first phase.
func newCursor(token string, phases ...string) (*cursor, error) {
	bag := &pagination.Bag{}
	if err := bag.Unmarshal(token); err != nil {
		return nil, fmt.Errorf("%s: malformed page token: %w", errPrefix, err)
	}
	if token == "" {
		for i := len(phases) - 1; i >= 0; i-- {
			bag.Push(pagination.PageState{ResourceTypeID: phases[i]})
		}
	}
	return &cursor{bag: bag}, nil
}

// phase is the current phase, "" when the walk is over.
func (c *cursor) phase() string {
	if c.bag.Current() == nil {
		return ""
	}
	return c.bag.ResourceTypeID()
}

// link is the Graph next link of the current phase ("" on its first page).
func (c *cursor) link() string { return c.bag.PageToken() }

// advance records the next link of the current phase (or, when empty, moves to the next phase) and
// returns the page token for the SDK ("" when the walk is over).
func (c *cursor) advance(next string) (string, error) {
	if c.bag.Current() == nil {
		return "", nil
	}
	tok, err := c.bag.NextToken(next)
	if err != nil {
		return "", fmt.Errorf("%s: encode page token: %w", errPrefix, err)
	}
	return tok, nil
}
