package testserver

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"

	"github.com/restylab/restylab/testserver/labca"
)

// RedisKey is one key of the lesson data preloaded into redis.lab.
type RedisKey struct {
	Key  string
	Type string   // "string", "hash" or "list"
	Vals []string // string: the value; hash: field, value pairs; list: the elements from head to tail
}

// RedisSeed returns the lesson data redis.lab starts with. Lessons rely on
// it: change it only together with them.
func RedisSeed() []RedisKey {
	return []RedisKey{
		{"greeting", "string", []string{"hello from redis.lab"}},
		{"lesson:current", "string", []string{"cosockets"}},
		{"user:1:name", "string", []string{"Ada"}},
		{"user:1", "hash", []string{"name", "Ada", "lang", "lua", "city", "London"}},
		{"queue:jobs", "list", []string{"resize:cat.png", "resize:dog.png", "mail:welcome"}},
		{"counter:hits", "string", []string{"41"}}, // a counter: INCR counter:hits gives 42
	}
}

// redisServer is redis.lab: a miniredis instance. miniredis is safe for
// concurrent use and its Close waits for its goroutines.
type redisServer struct {
	m *miniredis.Miniredis
}

func startRedis(addr string, ca *labca.CA) (*redisServer, error) {
	m := miniredis.NewMiniRedis()
	if err := seedRedis(m); err != nil {
		return nil, err
	}
	// the lab's certificates, for ssl_certificate_by_lua lessons that load
	// a certificate by SNI (docs/testserver.md)
	for _, k := range ca.RedisKeys() {
		if err := m.Set(k.Key, k.Value); err != nil {
			return nil, fmt.Errorf("seed %s: %w", k.Key, err)
		}
	}
	if err := m.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return &redisServer{m: m}, nil
}

func seedRedis(m *miniredis.Miniredis) error {
	for _, k := range RedisSeed() {
		var err error
		switch k.Type {
		case "string":
			err = m.Set(k.Key, k.Vals[0])
		case "hash":
			m.HSet(k.Key, k.Vals...)
		case "list":
			_, err = m.RPush(k.Key, k.Vals...)
		default:
			err = fmt.Errorf("unknown type %q", k.Type)
		}
		if err != nil {
			return fmt.Errorf("seed %s: %w", k.Key, err)
		}
	}
	return nil
}

func (r *redisServer) addr() string { return r.m.Addr() }

func (r *redisServer) close() { r.m.Close() }
