;; SHA-256 (FIPS 180-4) for the ledger: RFC 6962 leaf hashes of many lines in one call, and
;; interior node hashes; also the bitmap of a block's special bytes for fast_line.ts. Assembled by scripts/build_sha256_wasm.ts (npm wabt) into
;; src/ledger/sha256_wasm.ts; tests/ledger/sha256_wasm_test.ts checks that the committed bytes
;; match this source.
;;
;; Memory layout (bytes):
;;   0     K, the 64 round constants (little-endian i32)
;;   256   W, the message schedule
;;   512   the running state h0..h7
;;   1024  W4, the message schedule of four messages at once (i32x4 lanes)
;;   4096  scratch: four padded messages of up to 65,792 bytes each (the first also for $digest)
;;   327680 and up: free for the caller (line bytes, line table, output hashes)
(module
  (memory (export "memory") 40)
  (global (export "base") i32 (i32.const 327680))
  (data (i32.const 0)
    "\98\2f\8a\42\91\44\37\71\cf\fb\c0\b5\a5\db\b5\e9"
    "\5b\c2\56\39\f1\11\f1\59\a4\82\3f\92\d5\5e\1c\ab"
    "\98\aa\07\d8\01\5b\83\12\be\85\31\24\c3\7d\0c\55"
    "\74\5d\be\72\fe\b1\de\80\a7\06\dc\9b\74\f1\9b\c1"
    "\c1\69\9b\e4\86\47\be\ef\c6\9d\c1\0f\cc\a1\0c\24"
    "\6f\2c\e9\2d\aa\84\74\4a\dc\a9\b0\5c\da\88\f9\76"
    "\52\51\3e\98\6d\c6\31\a8\c8\27\03\b0\c7\7f\59\bf"
    "\f3\0b\e0\c6\47\91\a7\d5\51\63\ca\06\67\29\29\14"
    "\85\0a\b7\27\38\21\1b\2e\fc\6d\2c\4d\13\0d\38\53"
    "\54\73\0a\65\bb\0a\6a\76\2e\c9\c2\81\85\2c\72\92"
    "\a1\e8\bf\a2\4b\66\1a\a8\70\8b\4b\c2\a3\51\6c\c7"
    "\19\e8\92\d1\24\06\99\d6\85\35\0e\f4\70\a0\6a\10"
    "\16\c1\a4\19\08\6c\37\1e\4c\77\48\27\b5\bc\b0\34"
    "\b3\0c\1c\39\4a\aa\d8\4e\4f\ca\9c\5b\f3\6f\2e\68"
    "\ee\82\8f\74\6f\63\a5\78\14\78\c8\84\08\02\c7\8c"
    "\fa\ff\be\90\eb\6c\50\a4\f7\a3\f9\be\f2\78\71\c6")

  ;; Big-endian load of a 32-bit word.
  (func $bswap (param $x i32) (result i32)
    (i32.or
      (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
      (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))

  ;; One 64-byte block at $blk into the state at 512.
  (func $compress (param $blk i32)
    (local $i i32) (local $w15 i32) (local $w2 i32) (local $t1 i32) (local $t2 i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    ;; W[0..15] = big-endian words of the block
    (local.set $i (i32.const 0))
    (loop $l0
      (i32.store offset=256 (local.get $i)
        (call $bswap (i32.load (i32.add (local.get $blk) (local.get $i)))))
      (br_if $l0 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 64))))
    ;; W[16..63]; $i is the byte offset 4*t of W[t]
    (loop $l1
      (local.set $w15 (i32.load offset=196 (local.get $i)))
      (local.set $w2 (i32.load offset=248 (local.get $i)))
      (i32.store offset=256 (local.get $i)
        (i32.add
          (i32.add (i32.load offset=192 (local.get $i)) (i32.load offset=228 (local.get $i)))
          (i32.add
            (i32.xor
              (i32.xor (i32.rotr (local.get $w15) (i32.const 7)) (i32.rotr (local.get $w15) (i32.const 18)))
              (i32.shr_u (local.get $w15) (i32.const 3)))
            (i32.xor
              (i32.xor (i32.rotr (local.get $w2) (i32.const 17)) (i32.rotr (local.get $w2) (i32.const 19)))
              (i32.shr_u (local.get $w2) (i32.const 10))))))
      (br_if $l1 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 256))))
    (local.set $a (i32.load offset=512 (i32.const 0)))
    (local.set $b (i32.load offset=516 (i32.const 0)))
    (local.set $c (i32.load offset=520 (i32.const 0)))
    (local.set $d (i32.load offset=524 (i32.const 0)))
    (local.set $e (i32.load offset=528 (i32.const 0)))
    (local.set $f (i32.load offset=532 (i32.const 0)))
    (local.set $g (i32.load offset=536 (i32.const 0)))
    (local.set $h (i32.load offset=540 (i32.const 0)))
    (local.set $i (i32.const 0))
    (loop $r
      ;; t1 = h + S1(e) + ch(e,f,g) + K[t] + W[t]
      (local.set $t1
        (i32.add
          (i32.add
            (local.get $h)
            (i32.xor
              (i32.xor (i32.rotr (local.get $e) (i32.const 6)) (i32.rotr (local.get $e) (i32.const 11)))
              (i32.rotr (local.get $e) (i32.const 25))))
          (i32.add
            (i32.xor (local.get $g) (i32.and (local.get $e) (i32.xor (local.get $f) (local.get $g))))
            (i32.add (i32.load (local.get $i)) (i32.load offset=256 (local.get $i))))))
      ;; t2 = S0(a) + maj(a,b,c)
      (local.set $t2
        (i32.add
          (i32.xor
            (i32.xor (i32.rotr (local.get $a) (i32.const 2)) (i32.rotr (local.get $a) (i32.const 13)))
            (i32.rotr (local.get $a) (i32.const 22)))
          (i32.or
            (i32.and (local.get $a) (local.get $b))
            (i32.and (local.get $c) (i32.or (local.get $a) (local.get $b))))))
      (local.set $h (local.get $g))
      (local.set $g (local.get $f))
      (local.set $f (local.get $e))
      (local.set $e (i32.add (local.get $d) (local.get $t1)))
      (local.set $d (local.get $c))
      (local.set $c (local.get $b))
      (local.set $b (local.get $a))
      (local.set $a (i32.add (local.get $t1) (local.get $t2)))
      (br_if $r (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 256))))
    (i32.store offset=512 (i32.const 0) (i32.add (i32.load offset=512 (i32.const 0)) (local.get $a)))
    (i32.store offset=516 (i32.const 0) (i32.add (i32.load offset=516 (i32.const 0)) (local.get $b)))
    (i32.store offset=520 (i32.const 0) (i32.add (i32.load offset=520 (i32.const 0)) (local.get $c)))
    (i32.store offset=524 (i32.const 0) (i32.add (i32.load offset=524 (i32.const 0)) (local.get $d)))
    (i32.store offset=528 (i32.const 0) (i32.add (i32.load offset=528 (i32.const 0)) (local.get $e)))
    (i32.store offset=532 (i32.const 0) (i32.add (i32.load offset=532 (i32.const 0)) (local.get $f)))
    (i32.store offset=536 (i32.const 0) (i32.add (i32.load offset=536 (i32.const 0)) (local.get $g)))
    (i32.store offset=540 (i32.const 0) (i32.add (i32.load offset=540 (i32.const 0)) (local.get $h))))

  ;; Write ($plen prefix bytes $pre) || memory[$src, $src+$len) with SHA-256 padding to $dst;
  ;; returns the padded length. $plen is 0 (plain hash) or 1 (RFC 6962 leaf 0x00 / node 0x01),
  ;; $len + $plen <= 65,537.
  (func $pad (param $dst i32) (param $plen i32) (param $pre i32) (param $src i32) (param $len i32)
    (result i32)
    (local $n i32) (local $total i32)
    (i32.store8 (local.get $dst) (local.get $pre))
    (memory.copy (i32.add (local.get $dst) (local.get $plen)) (local.get $src) (local.get $len))
    (local.set $n (i32.add (local.get $len) (local.get $plen)))
    (i32.store8 (i32.add (local.get $dst) (local.get $n)) (i32.const 0x80))
    ;; padded length: ceil((n + 9) / 64) * 64
    (local.set $total (i32.and (i32.add (local.get $n) (i32.const 72)) (i32.const -64)))
    (memory.fill
      (i32.add (i32.add (local.get $dst) (local.get $n)) (i32.const 1))
      (i32.const 0)
      (i32.sub (i32.sub (local.get $total) (local.get $n)) (i32.const 9)))
    (i32.store offset=0 (i32.sub (i32.add (local.get $dst) (local.get $total)) (i32.const 8))
      (i32.const 0))
    (i32.store offset=0 (i32.sub (i32.add (local.get $dst) (local.get $total)) (i32.const 4))
      (call $bswap (i32.shl (local.get $n) (i32.const 3))))
    (local.get $total))

  ;; SHA-256 of ($plen prefix bytes $pre) || memory[$src, $src+$len) into 32 bytes at $out.
  (func $digest (param $plen i32) (param $pre i32) (param $src i32) (param $len i32) (param $out i32)
    (local $total i32) (local $off i32) (local $j i32)
    (local.set $total
      (call $pad (i32.const 4096) (local.get $plen) (local.get $pre) (local.get $src) (local.get $len)))
    (i32.store offset=512 (i32.const 0) (i32.const 0x6a09e667))
    (i32.store offset=516 (i32.const 0) (i32.const 0xbb67ae85))
    (i32.store offset=520 (i32.const 0) (i32.const 0x3c6ef372))
    (i32.store offset=524 (i32.const 0) (i32.const 0xa54ff53a))
    (i32.store offset=528 (i32.const 0) (i32.const 0x510e527f))
    (i32.store offset=532 (i32.const 0) (i32.const 0x9b05688c))
    (i32.store offset=536 (i32.const 0) (i32.const 0x1f83d9ab))
    (i32.store offset=540 (i32.const 0) (i32.const 0x5be0cd19))
    (local.set $off (i32.const 0))
    (loop $blocks
      (call $compress (i32.add (i32.const 4096) (local.get $off)))
      (br_if $blocks (i32.lt_u (local.tee $off (i32.add (local.get $off) (i32.const 64))) (local.get $total))))
    (local.set $j (i32.const 0))
    (loop $words
      (i32.store (i32.add (local.get $out) (local.get $j))
        (call $bswap (i32.load offset=512 (local.get $j))))
      (br_if $words (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 4))) (i32.const 32)))))

  ;; Plain SHA-256 of memory[$src, $src+$len) into $out.
  (func (export "sha256") (param $src i32) (param $len i32) (param $out i32)
    (call $digest (i32.const 0) (i32.const 0) (local.get $src) (local.get $len) (local.get $out)))

  ;; Interior node: SHA-256(0x01 || 64 bytes at $src) into $out.
  (func (export "node") (param $src i32) (param $out i32)
    (call $digest (i32.const 1) (i32.const 1) (local.get $src) (i32.const 64) (local.get $out)))

  ;; Leaf hashes of the four lines in the table at $tab (pairs of i32: start address, length),
  ;; all at once, one message per i32x4 lane, into $out + 32k. Shorter messages stop updating
  ;; their lane once their blocks are done.
  ;; $pre is the one-byte prefix of every message (0x00 leaves, 0x01 interior nodes).
  (func $leaves4 (param $tab i32) (param $out i32) (param $pre i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $off i32) (local $end i32) (local $i i32) (local $nb v128) (local $m v128)
    (local $A v128) (local $B v128) (local $C v128) (local $D v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $w15 v128) (local $w2 v128) (local $t1 v128) (local $x v128) (local $bc v128)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $e v128) (local $f v128) (local $g v128) (local $h v128)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $h3 v128) (local $h4 v128) (local $h5 v128) (local $h6 v128) (local $h7 v128)
    (local.set $p0 (i32.const 4096))
    (local.set $p1 (i32.const 69888))
    (local.set $p2 (i32.const 135680))
    (local.set $p3 (i32.const 201472))
    ;; padded lengths of the four messages, in bytes, one per lane
    (local.set $nb (i32x4.splat
      (call $pad (local.get $p0) (i32.const 1) (local.get $pre)
        (i32.load (local.get $tab)) (i32.load offset=4 (local.get $tab)))))
    (local.set $nb (i32x4.replace_lane 1 (local.get $nb)
      (call $pad (local.get $p1) (i32.const 1) (local.get $pre)
        (i32.load offset=8 (local.get $tab)) (i32.load offset=12 (local.get $tab)))))
    (local.set $nb (i32x4.replace_lane 2 (local.get $nb)
      (call $pad (local.get $p2) (i32.const 1) (local.get $pre)
        (i32.load offset=16 (local.get $tab)) (i32.load offset=20 (local.get $tab)))))
    (local.set $nb (i32x4.replace_lane 3 (local.get $nb)
      (call $pad (local.get $p3) (i32.const 1) (local.get $pre)
        (i32.load offset=24 (local.get $tab)) (i32.load offset=28 (local.get $tab)))))
    ;; $end: the longest padded length
    (local.set $x0 (i32x4.max_u (local.get $nb)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $nb) (local.get $nb))))
    (local.set $end (i32x4.extract_lane 0 (i32x4.max_u (local.get $x0)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $x0) (local.get $x0)))))
    (local.set $h0 (i32x4.splat (i32.const 0x6a09e667)))
    (local.set $h1 (i32x4.splat (i32.const 0xbb67ae85)))
    (local.set $h2 (i32x4.splat (i32.const 0x3c6ef372)))
    (local.set $h3 (i32x4.splat (i32.const 0xa54ff53a)))
    (local.set $h4 (i32x4.splat (i32.const 0x510e527f)))
    (local.set $h5 (i32x4.splat (i32.const 0x9b05688c)))
    (local.set $h6 (i32x4.splat (i32.const 0x1f83d9ab)))
    (local.set $h7 (i32x4.splat (i32.const 0x5be0cd19)))
    (local.set $off (i32.const 0))
    (loop $blocks
      ;; W4[0..15]: word t of each message's block, big-endian, lane k from message k
      (local.set $A (v128.load offset=0 (i32.add (local.get $p0) (local.get $off))))
      (local.set $B (v128.load offset=0 (i32.add (local.get $p1) (local.get $off))))
      (local.set $C (v128.load offset=0 (i32.add (local.get $p2) (local.get $off))))
      (local.set $D (v128.load offset=0 (i32.add (local.get $p3) (local.get $off))))
      (local.set $x0 (i8x16.shuffle 3 2 1 0 19 18 17 16 7 6 5 4 23 22 21 20 (local.get $A) (local.get $B)))
      (local.set $x1 (i8x16.shuffle 3 2 1 0 19 18 17 16 7 6 5 4 23 22 21 20 (local.get $C) (local.get $D)))
      (local.set $x2 (i8x16.shuffle 11 10 9 8 27 26 25 24 15 14 13 12 31 30 29 28 (local.get $A) (local.get $B)))
      (local.set $x3 (i8x16.shuffle 11 10 9 8 27 26 25 24 15 14 13 12 31 30 29 28 (local.get $C) (local.get $D)))
      (v128.store offset=1024 (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x0) (local.get $x1)))
      (v128.store offset=1040 (i32.const 0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x0) (local.get $x1)))
      (v128.store offset=1056 (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x2) (local.get $x3)))
      (v128.store offset=1072 (i32.const 0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x2) (local.get $x3)))
      (local.set $A (v128.load offset=16 (i32.add (local.get $p0) (local.get $off))))
      (local.set $B (v128.load offset=16 (i32.add (local.get $p1) (local.get $off))))
      (local.set $C (v128.load offset=16 (i32.add (local.get $p2) (local.get $off))))
      (local.set $D (v128.load offset=16 (i32.add (local.get $p3) (local.get $off))))
      (local.set $x0 (i8x16.shuffle 3 2 1 0 19 18 17 16 7 6 5 4 23 22 21 20 (local.get $A) (local.get $B)))
      (local.set $x1 (i8x16.shuffle 3 2 1 0 19 18 17 16 7 6 5 4 23 22 21 20 (local.get $C) (local.get $D)))
      (local.set $x2 (i8x16.shuffle 11 10 9 8 27 26 25 24 15 14 13 12 31 30 29 28 (local.get $A) (local.get $B)))
      (local.set $x3 (i8x16.shuffle 11 10 9 8 27 26 25 24 15 14 13 12 31 30 29 28 (local.get $C) (local.get $D)))
      (v128.store offset=1088 (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x0) (local.get $x1)))
      (v128.store offset=1104 (i32.const 0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x0) (local.get $x1)))
      (v128.store offset=1120 (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x2) (local.get $x3)))
      (v128.store offset=1136 (i32.const 0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x2) (local.get $x3)))
      (local.set $A (v128.load offset=32 (i32.add (local.get $p0) (local.get $off))))
      (local.set $B (v128.load offset=32 (i32.add (local.get $p1) (local.get $off))))
      (local.set $C (v128.load offset=32 (i32.add (local.get $p2) (local.get $off))))
      (local.set $D (v128.load offset=32 (i32.add (local.get $p3) (local.get $off))))
      (local.set $x0 (i8x16.shuffle 3 2 1 0 19 18 17 16 7 6 5 4 23 22 21 20 (local.get $A) (local.get $B)))
      (local.set $x1 (i8x16.shuffle 3 2 1 0 19 18 17 16 7 6 5 4 23 22 21 20 (local.get $C) (local.get $D)))
      (local.set $x2 (i8x16.shuffle 11 10 9 8 27 26 25 24 15 14 13 12 31 30 29 28 (local.get $A) (local.get $B)))
      (local.set $x3 (i8x16.shuffle 11 10 9 8 27 26 25 24 15 14 13 12 31 30 29 28 (local.get $C) (local.get $D)))
      (v128.store offset=1152 (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x0) (local.get $x1)))
      (v128.store offset=1168 (i32.const 0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x0) (local.get $x1)))
      (v128.store offset=1184 (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x2) (local.get $x3)))
      (v128.store offset=1200 (i32.const 0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x2) (local.get $x3)))
      (local.set $A (v128.load offset=48 (i32.add (local.get $p0) (local.get $off))))
      (local.set $B (v128.load offset=48 (i32.add (local.get $p1) (local.get $off))))
      (local.set $C (v128.load offset=48 (i32.add (local.get $p2) (local.get $off))))
      (local.set $D (v128.load offset=48 (i32.add (local.get $p3) (local.get $off))))
      (local.set $x0 (i8x16.shuffle 3 2 1 0 19 18 17 16 7 6 5 4 23 22 21 20 (local.get $A) (local.get $B)))
      (local.set $x1 (i8x16.shuffle 3 2 1 0 19 18 17 16 7 6 5 4 23 22 21 20 (local.get $C) (local.get $D)))
      (local.set $x2 (i8x16.shuffle 11 10 9 8 27 26 25 24 15 14 13 12 31 30 29 28 (local.get $A) (local.get $B)))
      (local.set $x3 (i8x16.shuffle 11 10 9 8 27 26 25 24 15 14 13 12 31 30 29 28 (local.get $C) (local.get $D)))
      (v128.store offset=1216 (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x0) (local.get $x1)))
      (v128.store offset=1232 (i32.const 0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x0) (local.get $x1)))
      (v128.store offset=1248 (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x2) (local.get $x3)))
      (v128.store offset=1264 (i32.const 0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x2) (local.get $x3)))
      ;; W4[16..63]; $i is the byte offset 16t of W4[t]
      (local.set $i (i32.const 256))
      (loop $sched
        (local.set $w15 (v128.load offset=784 (local.get $i)))
        (local.set $w2 (v128.load offset=992 (local.get $i)))
        (v128.store offset=1024 (local.get $i)
          (i32x4.add (i32x4.add (i32x4.add (v128.load offset=768 (local.get $i)) (v128.load offset=912 (local.get $i))) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w15) (i32.const 7)) (i32x4.shl (local.get $w15) (i32.const 25))) (v128.or (i32x4.shr_u (local.get $w15) (i32.const 18)) (i32x4.shl (local.get $w15) (i32.const 14)))) (i32x4.shr_u (local.get $w15) (i32.const 3)))) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $w2) (i32.const 17)) (i32x4.shl (local.get $w2) (i32.const 15))) (v128.or (i32x4.shr_u (local.get $w2) (i32.const 19)) (i32x4.shl (local.get $w2) (i32.const 13)))) (i32x4.shr_u (local.get $w2) (i32.const 10)))))
        (br_if $sched (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (i32.const 1024))))
      (local.set $a (local.get $h0))
      (local.set $b (local.get $h1))
      (local.set $c (local.get $h2))
      (local.set $d (local.get $h3))
      (local.set $e (local.get $h4))
      (local.set $f (local.get $h5))
      (local.set $g (local.get $h6))
      (local.set $h (local.get $h7))
      ;; Eight rounds per iteration with the roles of $a..$h rotated instead of moved: in round
      ;; 8j+r the variable in role k is S[(k - r) mod 8] of S = a..h. Maj(a,b,c) = b ^ ((a^b) & (b^c)),
      ;; and this round's a^b is the next round's b^c ($bc). Each round, in its roles:
      ;; t1 = h + S1(e) + Ch(e,f,g) + K[t] + W[t]; d += t1; h = t1 + S0(a) + Maj(a,b,c).
      (local.set $bc (v128.xor (local.get $b) (local.get $c)))
      (local.set $i (i32.const 0))
      (loop $r
        ;; round 8j+0
        (local.set $t1 (i32x4.add (i32x4.add (i32x4.add (local.get $h) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $e) (i32.const 6)) (i32x4.shl (local.get $e) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 11)) (i32x4.shl (local.get $e) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 25)) (i32x4.shl (local.get $e) (i32.const 7)))))
          (v128.xor (local.get $g) (v128.and (local.get $e) (v128.xor (local.get $f) (local.get $g)))))
          (i32x4.add (v128.load32_splat offset=0 (i32.shr_u (local.get $i) (i32.const 2))) (v128.load offset=1024 (local.get $i)))))
        (local.set $x (v128.xor (local.get $a) (local.get $b)))
        (local.set $d (i32x4.add (local.get $d) (local.get $t1)))
        (local.set $h (i32x4.add (i32x4.add (local.get $t1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $a) (i32.const 2)) (i32x4.shl (local.get $a) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 13)) (i32x4.shl (local.get $a) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 22)) (i32x4.shl (local.get $a) (i32.const 10)))))
          (v128.xor (local.get $b) (v128.and (local.get $x) (local.get $bc)))))
        (local.set $bc (local.get $x))
        ;; round 8j+1
        (local.set $t1 (i32x4.add (i32x4.add (i32x4.add (local.get $g) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $d) (i32.const 6)) (i32x4.shl (local.get $d) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 11)) (i32x4.shl (local.get $d) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 25)) (i32x4.shl (local.get $d) (i32.const 7)))))
          (v128.xor (local.get $f) (v128.and (local.get $d) (v128.xor (local.get $e) (local.get $f)))))
          (i32x4.add (v128.load32_splat offset=4 (i32.shr_u (local.get $i) (i32.const 2))) (v128.load offset=1040 (local.get $i)))))
        (local.set $x (v128.xor (local.get $h) (local.get $a)))
        (local.set $c (i32x4.add (local.get $c) (local.get $t1)))
        (local.set $g (i32x4.add (i32x4.add (local.get $t1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $h) (i32.const 2)) (i32x4.shl (local.get $h) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 13)) (i32x4.shl (local.get $h) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 22)) (i32x4.shl (local.get $h) (i32.const 10)))))
          (v128.xor (local.get $a) (v128.and (local.get $x) (local.get $bc)))))
        (local.set $bc (local.get $x))
        ;; round 8j+2
        (local.set $t1 (i32x4.add (i32x4.add (i32x4.add (local.get $f) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $c) (i32.const 6)) (i32x4.shl (local.get $c) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 11)) (i32x4.shl (local.get $c) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 25)) (i32x4.shl (local.get $c) (i32.const 7)))))
          (v128.xor (local.get $e) (v128.and (local.get $c) (v128.xor (local.get $d) (local.get $e)))))
          (i32x4.add (v128.load32_splat offset=8 (i32.shr_u (local.get $i) (i32.const 2))) (v128.load offset=1056 (local.get $i)))))
        (local.set $x (v128.xor (local.get $g) (local.get $h)))
        (local.set $b (i32x4.add (local.get $b) (local.get $t1)))
        (local.set $f (i32x4.add (i32x4.add (local.get $t1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $g) (i32.const 2)) (i32x4.shl (local.get $g) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 13)) (i32x4.shl (local.get $g) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 22)) (i32x4.shl (local.get $g) (i32.const 10)))))
          (v128.xor (local.get $h) (v128.and (local.get $x) (local.get $bc)))))
        (local.set $bc (local.get $x))
        ;; round 8j+3
        (local.set $t1 (i32x4.add (i32x4.add (i32x4.add (local.get $e) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $b) (i32.const 6)) (i32x4.shl (local.get $b) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 11)) (i32x4.shl (local.get $b) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 25)) (i32x4.shl (local.get $b) (i32.const 7)))))
          (v128.xor (local.get $d) (v128.and (local.get $b) (v128.xor (local.get $c) (local.get $d)))))
          (i32x4.add (v128.load32_splat offset=12 (i32.shr_u (local.get $i) (i32.const 2))) (v128.load offset=1072 (local.get $i)))))
        (local.set $x (v128.xor (local.get $f) (local.get $g)))
        (local.set $a (i32x4.add (local.get $a) (local.get $t1)))
        (local.set $e (i32x4.add (i32x4.add (local.get $t1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $f) (i32.const 2)) (i32x4.shl (local.get $f) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 13)) (i32x4.shl (local.get $f) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 22)) (i32x4.shl (local.get $f) (i32.const 10)))))
          (v128.xor (local.get $g) (v128.and (local.get $x) (local.get $bc)))))
        (local.set $bc (local.get $x))
        ;; round 8j+4
        (local.set $t1 (i32x4.add (i32x4.add (i32x4.add (local.get $d) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $a) (i32.const 6)) (i32x4.shl (local.get $a) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 11)) (i32x4.shl (local.get $a) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $a) (i32.const 25)) (i32x4.shl (local.get $a) (i32.const 7)))))
          (v128.xor (local.get $c) (v128.and (local.get $a) (v128.xor (local.get $b) (local.get $c)))))
          (i32x4.add (v128.load32_splat offset=16 (i32.shr_u (local.get $i) (i32.const 2))) (v128.load offset=1088 (local.get $i)))))
        (local.set $x (v128.xor (local.get $e) (local.get $f)))
        (local.set $h (i32x4.add (local.get $h) (local.get $t1)))
        (local.set $d (i32x4.add (i32x4.add (local.get $t1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $e) (i32.const 2)) (i32x4.shl (local.get $e) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 13)) (i32x4.shl (local.get $e) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $e) (i32.const 22)) (i32x4.shl (local.get $e) (i32.const 10)))))
          (v128.xor (local.get $f) (v128.and (local.get $x) (local.get $bc)))))
        (local.set $bc (local.get $x))
        ;; round 8j+5
        (local.set $t1 (i32x4.add (i32x4.add (i32x4.add (local.get $c) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $h) (i32.const 6)) (i32x4.shl (local.get $h) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 11)) (i32x4.shl (local.get $h) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $h) (i32.const 25)) (i32x4.shl (local.get $h) (i32.const 7)))))
          (v128.xor (local.get $b) (v128.and (local.get $h) (v128.xor (local.get $a) (local.get $b)))))
          (i32x4.add (v128.load32_splat offset=20 (i32.shr_u (local.get $i) (i32.const 2))) (v128.load offset=1104 (local.get $i)))))
        (local.set $x (v128.xor (local.get $d) (local.get $e)))
        (local.set $g (i32x4.add (local.get $g) (local.get $t1)))
        (local.set $c (i32x4.add (i32x4.add (local.get $t1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $d) (i32.const 2)) (i32x4.shl (local.get $d) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 13)) (i32x4.shl (local.get $d) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $d) (i32.const 22)) (i32x4.shl (local.get $d) (i32.const 10)))))
          (v128.xor (local.get $e) (v128.and (local.get $x) (local.get $bc)))))
        (local.set $bc (local.get $x))
        ;; round 8j+6
        (local.set $t1 (i32x4.add (i32x4.add (i32x4.add (local.get $b) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $g) (i32.const 6)) (i32x4.shl (local.get $g) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 11)) (i32x4.shl (local.get $g) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $g) (i32.const 25)) (i32x4.shl (local.get $g) (i32.const 7)))))
          (v128.xor (local.get $a) (v128.and (local.get $g) (v128.xor (local.get $h) (local.get $a)))))
          (i32x4.add (v128.load32_splat offset=24 (i32.shr_u (local.get $i) (i32.const 2))) (v128.load offset=1120 (local.get $i)))))
        (local.set $x (v128.xor (local.get $c) (local.get $d)))
        (local.set $f (i32x4.add (local.get $f) (local.get $t1)))
        (local.set $b (i32x4.add (i32x4.add (local.get $t1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $c) (i32.const 2)) (i32x4.shl (local.get $c) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 13)) (i32x4.shl (local.get $c) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $c) (i32.const 22)) (i32x4.shl (local.get $c) (i32.const 10)))))
          (v128.xor (local.get $d) (v128.and (local.get $x) (local.get $bc)))))
        (local.set $bc (local.get $x))
        ;; round 8j+7
        (local.set $t1 (i32x4.add (i32x4.add (i32x4.add (local.get $a) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $f) (i32.const 6)) (i32x4.shl (local.get $f) (i32.const 26))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 11)) (i32x4.shl (local.get $f) (i32.const 21)))) (v128.or (i32x4.shr_u (local.get $f) (i32.const 25)) (i32x4.shl (local.get $f) (i32.const 7)))))
          (v128.xor (local.get $h) (v128.and (local.get $f) (v128.xor (local.get $g) (local.get $h)))))
          (i32x4.add (v128.load32_splat offset=28 (i32.shr_u (local.get $i) (i32.const 2))) (v128.load offset=1136 (local.get $i)))))
        (local.set $x (v128.xor (local.get $b) (local.get $c)))
        (local.set $e (i32x4.add (local.get $e) (local.get $t1)))
        (local.set $a (i32x4.add (i32x4.add (local.get $t1) (v128.xor (v128.xor (v128.or (i32x4.shr_u (local.get $b) (i32.const 2)) (i32x4.shl (local.get $b) (i32.const 30))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 13)) (i32x4.shl (local.get $b) (i32.const 19)))) (v128.or (i32x4.shr_u (local.get $b) (i32.const 22)) (i32x4.shl (local.get $b) (i32.const 10)))))
          (v128.xor (local.get $c) (v128.and (local.get $x) (local.get $bc)))))
        (local.set $bc (local.get $x))
        (br_if $r (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 128))) (i32.const 1024))))
      ;; lanes whose message has a block at $off take the new state
      (local.set $m (i32x4.gt_u (local.get $nb) (i32x4.splat (local.get $off))))
      (local.set $h0 (v128.bitselect (i32x4.add (local.get $h0) (local.get $a)) (local.get $h0) (local.get $m)))
      (local.set $h1 (v128.bitselect (i32x4.add (local.get $h1) (local.get $b)) (local.get $h1) (local.get $m)))
      (local.set $h2 (v128.bitselect (i32x4.add (local.get $h2) (local.get $c)) (local.get $h2) (local.get $m)))
      (local.set $h3 (v128.bitselect (i32x4.add (local.get $h3) (local.get $d)) (local.get $h3) (local.get $m)))
      (local.set $h4 (v128.bitselect (i32x4.add (local.get $h4) (local.get $e)) (local.get $h4) (local.get $m)))
      (local.set $h5 (v128.bitselect (i32x4.add (local.get $h5) (local.get $f)) (local.get $h5) (local.get $m)))
      (local.set $h6 (v128.bitselect (i32x4.add (local.get $h6) (local.get $g)) (local.get $h6) (local.get $m)))
      (local.set $h7 (v128.bitselect (i32x4.add (local.get $h7) (local.get $h)) (local.get $h7) (local.get $m)))
      (br_if $blocks (i32.lt_u (local.tee $off (i32.add (local.get $off) (i32.const 64))) (local.get $end))))
    (i32.store offset=0 (local.get $out) (call $bswap (i32x4.extract_lane 0 (local.get $h0))))
    (i32.store offset=4 (local.get $out) (call $bswap (i32x4.extract_lane 0 (local.get $h1))))
    (i32.store offset=8 (local.get $out) (call $bswap (i32x4.extract_lane 0 (local.get $h2))))
    (i32.store offset=12 (local.get $out) (call $bswap (i32x4.extract_lane 0 (local.get $h3))))
    (i32.store offset=16 (local.get $out) (call $bswap (i32x4.extract_lane 0 (local.get $h4))))
    (i32.store offset=20 (local.get $out) (call $bswap (i32x4.extract_lane 0 (local.get $h5))))
    (i32.store offset=24 (local.get $out) (call $bswap (i32x4.extract_lane 0 (local.get $h6))))
    (i32.store offset=28 (local.get $out) (call $bswap (i32x4.extract_lane 0 (local.get $h7))))
    (i32.store offset=32 (local.get $out) (call $bswap (i32x4.extract_lane 1 (local.get $h0))))
    (i32.store offset=36 (local.get $out) (call $bswap (i32x4.extract_lane 1 (local.get $h1))))
    (i32.store offset=40 (local.get $out) (call $bswap (i32x4.extract_lane 1 (local.get $h2))))
    (i32.store offset=44 (local.get $out) (call $bswap (i32x4.extract_lane 1 (local.get $h3))))
    (i32.store offset=48 (local.get $out) (call $bswap (i32x4.extract_lane 1 (local.get $h4))))
    (i32.store offset=52 (local.get $out) (call $bswap (i32x4.extract_lane 1 (local.get $h5))))
    (i32.store offset=56 (local.get $out) (call $bswap (i32x4.extract_lane 1 (local.get $h6))))
    (i32.store offset=60 (local.get $out) (call $bswap (i32x4.extract_lane 1 (local.get $h7))))
    (i32.store offset=64 (local.get $out) (call $bswap (i32x4.extract_lane 2 (local.get $h0))))
    (i32.store offset=68 (local.get $out) (call $bswap (i32x4.extract_lane 2 (local.get $h1))))
    (i32.store offset=72 (local.get $out) (call $bswap (i32x4.extract_lane 2 (local.get $h2))))
    (i32.store offset=76 (local.get $out) (call $bswap (i32x4.extract_lane 2 (local.get $h3))))
    (i32.store offset=80 (local.get $out) (call $bswap (i32x4.extract_lane 2 (local.get $h4))))
    (i32.store offset=84 (local.get $out) (call $bswap (i32x4.extract_lane 2 (local.get $h5))))
    (i32.store offset=88 (local.get $out) (call $bswap (i32x4.extract_lane 2 (local.get $h6))))
    (i32.store offset=92 (local.get $out) (call $bswap (i32x4.extract_lane 2 (local.get $h7))))
    (i32.store offset=96 (local.get $out) (call $bswap (i32x4.extract_lane 3 (local.get $h0))))
    (i32.store offset=100 (local.get $out) (call $bswap (i32x4.extract_lane 3 (local.get $h1))))
    (i32.store offset=104 (local.get $out) (call $bswap (i32x4.extract_lane 3 (local.get $h2))))
    (i32.store offset=108 (local.get $out) (call $bswap (i32x4.extract_lane 3 (local.get $h3))))
    (i32.store offset=112 (local.get $out) (call $bswap (i32x4.extract_lane 3 (local.get $h4))))
    (i32.store offset=116 (local.get $out) (call $bswap (i32x4.extract_lane 3 (local.get $h5))))
    (i32.store offset=120 (local.get $out) (call $bswap (i32x4.extract_lane 3 (local.get $h6))))
    (i32.store offset=124 (local.get $out) (call $bswap (i32x4.extract_lane 3 (local.get $h7)))))

  ;; One leaf: SHA-256(0x00 || memory[$src, $src+$len)) into $out.
  (func (export "leaf") (param $src i32) (param $len i32) (param $out i32)
    (call $digest (i32.const 1) (i32.const 0) (local.get $src) (local.get $len) (local.get $out)))

  ;; Hashes of $n messages, each ($pre byte) || message: the table at $tab holds $n pairs of i32
  ;; (start address, length); the hash of message k goes to $out + 32k. Four at a time, the rest
  ;; one by one.
  (func $many (param $tab i32) (param $n i32) (param $out i32) (param $pre i32)
    (block $quads
      (loop $each4
        (br_if $quads (i32.lt_u (local.get $n) (i32.const 4)))
        (call $leaves4 (local.get $tab) (local.get $out) (local.get $pre))
        (local.set $tab (i32.add (local.get $tab) (i32.const 32)))
        (local.set $out (i32.add (local.get $out) (i32.const 128)))
        (local.set $n (i32.sub (local.get $n) (i32.const 4)))
        (br $each4)))
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $n)))
        (call $digest (i32.const 1) (local.get $pre)
          (i32.load (local.get $tab))
          (i32.load offset=4 (local.get $tab))
          (local.get $out))
        (local.set $tab (i32.add (local.get $tab) (i32.const 8)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $each))))

  ;; Bit i of the bitmap at $out (64 bits per 64 bytes, little-endian) is set when byte $src + i
  ;; is one a canonical JSON string cannot hold as it is: below 0x20, from 0x80 (its top bit), the
  ;; quote or the backslash. Covers ceil($len / 64) * 64 bytes; those past $len are whatever
  ;; memory holds there.
  (func $special16 (param $p i32) (result i64)
    (local $v v128)
    (local.set $v (v128.load (local.get $p)))
    (i64.extend_i32_u
      (i8x16.bitmask
        (v128.or
          (v128.or (local.get $v) (i8x16.lt_u (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
          (v128.or
            (i8x16.eq (local.get $v) (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
            (i8x16.eq (local.get $v) (v128.const i8x16 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92)))))))

  (func (export "specials") (param $src i32) (param $len i32) (param $out i32)
    (local $i i32) (local $p i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $p (i32.add (local.get $src) (local.get $i)))
        (i64.store (i32.add (local.get $out) (i32.shr_u (local.get $i) (i32.const 3)))
          (i64.or
            (i64.or
              (call $special16 (local.get $p))
              (i64.shl (call $special16 (i32.add (local.get $p) (i32.const 16))) (i64.const 16)))
            (i64.or
              (i64.shl (call $special16 (i32.add (local.get $p) (i32.const 32))) (i64.const 32))
              (i64.shl (call $special16 (i32.add (local.get $p) (i32.const 48))) (i64.const 48)))))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $each))))

  ;; RFC 6962 leaf hashes SHA-256(0x00 || line) of the $n lines in the table at $tab.
  (func (export "leaves") (param $tab i32) (param $n i32) (param $out i32)
    (call $many (local.get $tab) (local.get $n) (local.get $out) (i32.const 0)))

  ;; Interior nodes SHA-256(0x01 || left || right) of $n adjacent pairs of 32-byte hashes at
  ;; $src (pair k at $src + 64k) into $out + 32k, four at a time; the table at $tab is scratch
  ;; for $n pairs of i32.
  (func (export "nodes") (param $src i32) (param $n i32) (param $tab i32) (param $out i32)
    (local $k i32)
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $k) (local.get $n)))
        (i32.store (i32.add (local.get $tab) (i32.shl (local.get $k) (i32.const 3)))
          (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 6))))
        (i32.store offset=4 (i32.add (local.get $tab) (i32.shl (local.get $k) (i32.const 3)))
          (i32.const 64))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $fill)))
    (call $many (local.get $tab) (local.get $n) (local.get $out) (i32.const 1)))
)
