//go:build unix

package cli

import (
	"io"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// idleModel is a console that only quits when told to.
type idleModel struct{}

func (idleModel) Init() tea.Cmd                       { return nil }
func (idleModel) Update(tea.Msg) (tea.Model, tea.Cmd) { return idleModel{}, nil }
func (idleModel) View() string                        { return "" }

func TestHangupQuitsTheConsoleSoItsDeferredCleanupRuns(t *testing.T) {
	in, w := io.Pipe()
	defer w.Close()
	p := tea.NewProgram(idleModel{}, tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
	stop := quitOnHangup(p)
	defer stop()
	ended := make(chan error, 1)
	go func() { _, err := p.Run(); ended <- err }()
	time.Sleep(50 * time.Millisecond) // let Run start
	// Without the handler the default action of SIGHUP would end the test binary.
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("console ended with %v, want a plain quit", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the console did not quit on SIGHUP")
	}
}
