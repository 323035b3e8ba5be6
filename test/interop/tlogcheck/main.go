// Command tlogcheck verifies transparency-log artefacts produced by @lt/tlog with an implementation
// nobody on this project wrote: Go's golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog.
//
// Usage: tlogcheck <input.json>
//
// It rebuilds the tree from the leaves with tlog.StoredHashes, then checks every signed checkpoint
// (note.Open + C2SP tlog-checkpoint body), every inclusion proof (tlog.CheckRecord) and every
// consistency proof (tlog.CheckTree) against its own hashes. Exit status 0 means all checks passed;
// anything else prints the first mismatch on stderr and exits 1.
//
// Builds offline against Debian's golang-golang-x-mod-dev sources:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlogcheck .
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	Origin string `json:"origin"`
	Vkey   string `json:"vkey"`
	// Leaves are the entries' bytes, standard base64.
	Leaves []string `json:"leaves"`
	// LeafHashes, if present, are the TS leaf hashes; each must equal tlog.RecordHash(leaf).
	LeafHashes []string `json:"leafHashes"`
	// StoredHashes, if present, is the TS stored-hash table (index i at position i); it must equal Go's.
	StoredHashes []string `json:"storedHashes"`
	// Checkpoints are signed notes (C2SP tlog-checkpoint bodies).
	Checkpoints []string           `json:"checkpoints"`
	Inclusion   []inclusionProof   `json:"inclusionProofs"`
	Consistency []consistencyProof `json:"consistencyProofs"`
}

type inclusionProof struct {
	TreeSize int64    `json:"treeSize"`
	Index    int64    `json:"index"`
	Proof    []string `json:"proof"`
}

type consistencyProof struct {
	OldSize int64    `json:"oldSize"`
	NewSize int64    `json:"newSize"`
	Proof   []string `json:"proof"`
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

type hashStore []tlog.Hash

func (s *hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*s)) {
			return nil, fmt.Errorf("stored hash index %d out of range (have %d)", x, len(*s))
		}
		out[i] = (*s)[x]
	}
	return out, nil
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func parseHash(what, s string) tlog.Hash {
	h, err := tlog.ParseHash(s)
	if err != nil {
		fail("%s: %v (%q)", what, err, s)
	}
	return h
}

func parseProof(what string, list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = parseHash(fmt.Sprintf("%s[%d]", what, i), s)
	}
	return out
}

// parseCheckpointText follows c2sp.org/tlog-checkpoint: origin, decimal size without leading zeros,
// base64 root hash, then optional non-empty extension lines; the text ends with a newline.
func parseCheckpointText(text string) (checkpoint, error) {
	if !strings.HasSuffix(text, "\n") {
		return checkpoint{}, fmt.Errorf("checkpoint text does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return checkpoint{}, fmt.Errorf("checkpoint has %d lines, want at least 3", len(lines))
	}
	for i, l := range lines {
		if l == "" {
			return checkpoint{}, fmt.Errorf("checkpoint line %d is empty", i+1)
		}
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || lines[1] != strconv.FormatInt(size, 10) {
		return checkpoint{}, fmt.Errorf("checkpoint size %q is not a canonical decimal", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint root hash %q: %v", lines[2], err)
	}
	return checkpoint{origin: lines[0], size: size, root: root}, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck <input.json>")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var in input
	if err := json.Unmarshal(data, &in); err != nil {
		fail("decoding %s: %v", os.Args[1], err)
	}

	// 1. Rebuild the tree with Go's own StoredHashes.
	var store hashStore
	leafHashes := make([]tlog.Hash, len(in.Leaves))
	for i, leaf64 := range in.Leaves {
		leaf, err := base64.StdEncoding.DecodeString(leaf64)
		if err != nil {
			fail("leaves[%d]: %v", i, err)
		}
		leafHashes[i] = tlog.RecordHash(leaf)
		hashes, err := tlog.StoredHashes(int64(i), leaf, &store)
		if err != nil {
			fail("StoredHashes(%d): %v", i, err)
		}
		store = append(store, hashes...)
	}
	n := int64(len(in.Leaves))
	if int64(len(store)) != tlog.StoredHashCount(n) {
		fail("stored %d hashes, StoredHashCount(%d) = %d", len(store), n, tlog.StoredHashCount(n))
	}
	if in.LeafHashes != nil {
		if len(in.LeafHashes) != len(leafHashes) {
			fail("got %d leaf hashes for %d leaves", len(in.LeafHashes), len(leafHashes))
		}
		for i, s := range in.LeafHashes {
			if parseHash(fmt.Sprintf("leafHashes[%d]", i), s) != leafHashes[i] {
				fail("leafHashes[%d] = %s, Go RecordHash = %s", i, s, leafHashes[i])
			}
		}
	}
	if in.StoredHashes != nil {
		if len(in.StoredHashes) != len(store) {
			fail("got %d stored hashes, Go stores %d", len(in.StoredHashes), len(store))
		}
		for i, s := range in.StoredHashes {
			if parseHash(fmt.Sprintf("storedHashes[%d]", i), s) != store[i] {
				fail("storedHashes[%d] = %s, Go has %s", i, s, store[i])
			}
		}
	}
	rootOf := func(size int64) tlog.Hash {
		if size > n {
			fail("tree size %d exceeds the %d leaves given", size, n)
		}
		h, err := tlog.TreeHash(size, &store)
		if err != nil {
			fail("TreeHash(%d): %v", size, err)
		}
		return h
	}

	// 2. Signed checkpoints: note.Open with the vkey, then the C2SP body against Go's own root.
	verifier, err := note.NewVerifier(in.Vkey)
	if err != nil {
		fail("NewVerifier(%q): %v", in.Vkey, err)
	}
	checkpoints := map[int64]tlog.Hash{}
	for i, msg := range in.Checkpoints {
		opened, err := note.Open([]byte(msg), note.VerifierList(verifier))
		if err != nil {
			fail("checkpoints[%d]: note.Open: %v", i, err)
		}
		cp, err := parseCheckpointText(opened.Text)
		if err != nil {
			fail("checkpoints[%d]: %v", i, err)
		}
		if cp.origin != in.Origin {
			fail("checkpoints[%d]: origin %q, want %q", i, cp.origin, in.Origin)
		}
		if want := rootOf(cp.size); cp.root != want {
			fail("checkpoints[%d]: root of size %d is %s, Go computes %s", i, cp.size, cp.root, want)
		}
		checkpoints[cp.size] = cp.root
	}

	// Roots of checkpointed sizes come from the signed checkpoints, others from Go's own tree.
	trustedRoot := func(size int64) tlog.Hash {
		if h, ok := checkpoints[size]; ok {
			return h
		}
		return rootOf(size)
	}

	// 3. Inclusion proofs.
	for i, p := range in.Inclusion {
		if p.Index < 0 || p.Index >= n {
			fail("inclusionProofs[%d]: index %d out of range", i, p.Index)
		}
		proof := parseProof(fmt.Sprintf("inclusionProofs[%d].proof", i), p.Proof)
		if err := tlog.CheckRecord(proof, p.TreeSize, trustedRoot(p.TreeSize), p.Index, leafHashes[p.Index]); err != nil {
			fail("inclusionProofs[%d] (leaf %d in tree %d): CheckRecord: %v", i, p.Index, p.TreeSize, err)
		}
	}

	// 4. Consistency proofs.
	for i, p := range in.Consistency {
		proof := parseProof(fmt.Sprintf("consistencyProofs[%d].proof", i), p.Proof)
		if err := tlog.CheckTree(proof, p.NewSize, trustedRoot(p.NewSize), p.OldSize, trustedRoot(p.OldSize)); err != nil {
			fail("consistencyProofs[%d] (%d -> %d): CheckTree: %v", i, p.OldSize, p.NewSize, err)
		}
	}

	fmt.Printf("tlogcheck: OK: %d leaves, %d stored hashes, %d checkpoints, %d inclusion proofs, %d consistency proofs\n",
		n, len(store), len(in.Checkpoints), len(in.Inclusion), len(in.Consistency))
}
