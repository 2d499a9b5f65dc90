//go:build !linux

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// procAvailable reports whether process memory can be measured: azbench reads /proc, Linux only.
const procAvailable = false

func procTree(root int) []int                             { return []int{root} }
func procMemory(int) (rss, hwm int64, ok bool)            { return 0, 0, false }
func procCmdline(int) string                              { return "" }
func procPSS(int) (int64, bool)                           { return 0, false }
func machineInfo() (cpu string, mem int64, kernel string) { return "", 0, "" }
func ownGroup(*exec.Cmd)                                  {}
func loadAverage() float64                                { return 0 }
func cpuSelf() float64                                    { return 0 }
func freeDisk(string) (int64, bool)                       { return 0, false }
func childCPU(*exec.Cmd) (user, sys float64)              { return 0, 0 }

// lockDir does not lock outside Linux: two azbench runs must not share an output directory.
func lockDir(string) (*os.File, error) { return nil, nil }

func signalGroup(cmd *exec.Cmd, _ syscall.Signal) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
