package acd

import (
	"fmt"
	"slices"
)

// skillBits is a set of skill IDs; a subset test rules out most agents
// before any level is compared.
type skillBits [MaxSkills / 64]uint64

func (b *skillBits) set(id uint8) { b[id>>6] |= 1 << (id & 63) }
func (b *skillBits) subsetOf(o *skillBits) bool {
	return b[0]&^o[0]|b[1]&^o[1]|b[2]&^o[2]|b[3]&^o[3] == 0
}

// skill is a compiled skill with its level (an agent's level or a minimum).
type skill struct {
	id    uint8
	level uint8
}

// skillSet is a compiled, sorted set of skills.
type skillSet struct {
	bits skillBits
	list []skill // sorted by id
}

// covers reports whether agent skills a meet every requirement of r with the
// minimum levels lowered by relax.
func (a *skillSet) covers(r *skillSet, relax int) bool {
	if !r.bits.subsetOf(&a.bits) {
		return false
	}
	j := 0
	for _, need := range r.list {
		for a.list[j].id != need.id {
			j++
		}
		if int(a.list[j].level) < int(need.level)-relax {
			return false
		}
	}
	return true
}

func (a *skillSet) level(id uint8) int {
	i, ok := slices.BinarySearchFunc(a.list, id, func(s skill, id uint8) int { return int(s.id) - int(id) })
	if !ok {
		return -1
	}
	return int(a.list[i].level)
}

func (a *skillSet) equal(b *skillSet) bool { return a.bits == b.bits && slices.Equal(a.list, b.list) }

// compileSkills maps names to IDs, registering new names.
func (d *ACD) compileSkills(in []SkillLevel) (skillSet, error) {
	if len(in) == 0 {
		return skillSet{}, nil
	}
	return d.compileSkillsInto(make([]skill, 0, len(in)), in)
}

// compileSkillsInto is compileSkills reusing buf's capacity.
func (d *ACD) compileSkillsInto(buf []skill, in []SkillLevel) (skillSet, error) {
	s := skillSet{list: buf}
	for _, sl := range in {
		if sl.Level < 0 || sl.Level > 255 {
			return s, fmt.Errorf("%w: skill %q level %d outside 0..255", ErrInvalidConfig, sl.Skill, sl.Level)
		}
		id, err := d.skillID(sl.Skill)
		if err != nil {
			return s, err
		}
		s.list = append(s.list, skill{id, uint8(sl.Level)})
	}
	slices.SortFunc(s.list, func(a, b skill) int { return int(a.id) - int(b.id) })
	for i, sk := range s.list {
		if i > 0 && s.list[i-1].id == sk.id {
			return s, fmt.Errorf("%w: skill %q listed twice", ErrInvalidConfig, d.skillNames[sk.id])
		}
		s.bits.set(sk.id)
	}
	return s, nil
}

func (d *ACD) skillID(name string) (uint8, error) {
	if id, ok := d.skills[name]; ok {
		return id, nil
	}
	if name == "" {
		return 0, fmt.Errorf("%w: empty skill name", ErrInvalidConfig)
	}
	if len(d.skillNames) >= MaxSkills {
		return 0, fmt.Errorf("%w: more than %d skills", ErrInvalidConfig, MaxSkills)
	}
	id := uint8(len(d.skillNames))
	d.skills[name] = id
	d.skillNames = append(d.skillNames, name)
	return id, nil
}
