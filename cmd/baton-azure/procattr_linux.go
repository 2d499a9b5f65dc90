package main

import "syscall"

// childProcAttr makes the sync child die with this process.
func childProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
