package conf

import "iter"

// LocationTree yields locs and every location they hold, each before its
// own: nested locations, then the location configurations of its if
// blocks, as nginx's tree of location confs holds them. A server's tree is
// LocationTree(srv.Locations).
func LocationTree(locs []*Location) iter.Seq[*Location] {
	return func(yield func(*Location) bool) {
		var walk func([]*Location) bool
		walk = func(locs []*Location) bool {
			for _, l := range locs {
				if !yield(l) || !walk(l.Locations) || !walk(l.Ifs) {
					return false
				}
			}
			return true
		}
		walk(locs)
	}
}
