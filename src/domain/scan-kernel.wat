;; vectord's exact-scan kernel: distances from one query to every row of a block of vectors, with
;; 128-bit SIMD (f32x4, two accumulators). Compiled by `npm run wasm` into scan-kernel-wasm.ts;
;; loaded and driven by scan-kernel.ts. All pointers are byte offsets into the imported memory.
;;
;; Rows are row-major f32, `dim` values each, `n` rows from `rows`; the query is `dim` f32 at `q`;
;; one f32 per row is written from `out`. Values past the last multiple of 8 are added one by one.
(module
  (memory (import "env" "memory") 1)

  ;; out[r] = sum_j (row_r[j] - q[j])^2
  (func (export "l2") (param $rows i32) (param $n i32) (param $dim i32) (param $q i32) (param $out i32)
    (local $r i32) (local $row i32) (local $j i32) (local $bytes i32) (local $simd i32)
    (local $a v128) (local $b v128) (local $d v128) (local $e v128) (local $s f32) (local $x f32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $simd (i32.shl (i32.and (local.get $dim) (i32.const -8)) (i32.const 2)))
    (local.set $row (local.get $rows))
    (block $done
      (loop $rowloop
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $a (v128.const f32x4 0 0 0 0))
        (local.set $b (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.ge_u (local.get $j) (local.get $simd)))
            (local.set $d (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $j)))
                                     (v128.load (i32.add (local.get $q) (local.get $j)))))
            (local.set $e (f32x4.sub (v128.load offset=16 (i32.add (local.get $row) (local.get $j)))
                                     (v128.load offset=16 (i32.add (local.get $q) (local.get $j)))))
            (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $e) (local.get $e))))
            (local.set $j (i32.add (local.get $j) (i32.const 32)))
            (br $vloop)))
        (local.set $a (f32x4.add (local.get $a) (local.get $b)))
        (local.set $s
          (f32.add (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
                   (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $j) (local.get $bytes)))
            (local.set $x (f32.sub (f32.load (i32.add (local.get $row) (local.get $j)))
                                   (f32.load (i32.add (local.get $q) (local.get $j)))))
            (local.set $s (f32.add (local.get $s) (f32.mul (local.get $x) (local.get $x))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $sloop)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $s))
        (local.set $row (i32.add (local.get $row) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowloop))))

  ;; out[r] = sum_j row_r[j] * q[j]
  (func (export "dot") (param $rows i32) (param $n i32) (param $dim i32) (param $q i32) (param $out i32)
    (local $r i32) (local $row i32) (local $j i32) (local $bytes i32) (local $simd i32)
    (local $a v128) (local $b v128) (local $s f32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $simd (i32.shl (i32.and (local.get $dim) (i32.const -8)) (i32.const 2)))
    (local.set $row (local.get $rows))
    (block $done
      (loop $rowloop
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $a (v128.const f32x4 0 0 0 0))
        (local.set $b (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.ge_u (local.get $j) (local.get $simd)))
            (local.set $a (f32x4.add (local.get $a)
              (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $j)))
                         (v128.load (i32.add (local.get $q) (local.get $j))))))
            (local.set $b (f32x4.add (local.get $b)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $row) (local.get $j)))
                         (v128.load offset=16 (i32.add (local.get $q) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 32)))
            (br $vloop)))
        (local.set $a (f32x4.add (local.get $a) (local.get $b)))
        (local.set $s
          (f32.add (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
                   (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $j) (local.get $bytes)))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (f32.load (i32.add (local.get $row) (local.get $j)))
                       (f32.load (i32.add (local.get $q) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $sloop)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $s))
        (local.set $row (i32.add (local.get $row) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowloop)))))
