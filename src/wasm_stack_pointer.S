# wasm_stack_pointer.S -- read and write the C shadow stack pointer.
# Asyncify saves wasm locals, not this global: switch_asyncify.c moves it
# by hand around every resume and suspend.

.globaltype __stack_pointer, i32

.globl slp__sp_get
.type slp__sp_get,@function
slp__sp_get:
    .functype slp__sp_get () -> (i32)
    global.get __stack_pointer
    end_function

.globl slp__sp_set
.type slp__sp_set,@function
slp__sp_set:
    .functype slp__sp_set (i32) -> ()
    local.get 0
    global.set __stack_pointer
    end_function
