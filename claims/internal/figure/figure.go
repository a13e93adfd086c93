// Package figure is the one style of the report's figures (packages claims
// and claims/experiment): text that renders in any SVG viewer, a legend that
// covers no data, and a check that every line of text fits its canvas.
//
// gonum/plot lays text out with the metrics of the font it embeds
// (Liberation Sans here) but an SVG only names the font; a viewer without it
// substitutes another, and the text takes that font's width from the same
// starting point. Save therefore names FontFamily, Liberation Sans followed
// by its metric-compatible stand-ins (Arial, Helvetica, Nimbus Sans: same
// widths) and the generic sans-serif, and lays every line out so that it
// still fits when a substitute sets it TextSlack = 1.3 times as wide. The
// widest usual substitute, DejaVu Sans (Debian's default sans-serif), set
// each title, label and legend entry of the report at most 1.20 times as
// wide as Liberation Sans (advance widths of both fonts' TrueType files
// compared string by string).
package figure

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// FontFamily is the CSS font-family list every figure's text names.
const FontFamily = "'Liberation Sans', Arial, Helvetica, 'Nimbus Sans', 'Nimbus Sans L', sans-serif"

// TextSlack is how much wider than Liberation Sans a substitute font may
// set a line of text without it leaving its canvas or meeting an axis.
const TextSlack = 1.3

// Text sizes: the title, the axis labels, the tick labels and legend
// entries.
const (
	TitleSize = 11
	LabelSize = 10
	TickSize  = 9
)

// Font returns the figures' font (Liberation Sans) at size points.
func Font(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// New returns a plot with the given title (lines separated by "\n") and
// axis labels, set in the figures' font and sizes.
func New(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = Font(TitleSize)
	p.Title.Padding = vg.Points(4)
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = Font(LabelSize)
		a.Tick.Label.Font = Font(TickSize)
	}
	p.Legend.TextStyle.Font = Font(TickSize)
	p.Legend.Padding = vg.Points(1)
	return p
}

// legendGap is the space between the axes and the legend band, and below it.
const legendGap = 6

// Save writes p as an SVG of width w and height h plus, if p has a legend, a
// band below the axes that holds it, left-aligned with the data area, so
// that it covers no data. It leaves room right of the axes for the last x
// tick label, pads the y tick labels so that a wider font
// does not run them into the axis, names FontFamily instead of Liberation
// Sans, and changes p (its legend and y tick marker) to do so. It returns an
// error, writing nothing, if a line of the title, an axis label or a legend
// entry would leave its room when set TextSlack times as wide, or if text in
// another font was drawn.
func Save(p *plot.Plot, w, h vg.Length, path string) error {
	legend := p.Legend
	p.Legend = plot.NewLegend()
	var band vg.Length
	probe := draw.New(vgsvg.New(w, h))
	if r := legend.Rectangle(probe); r.Size().Y > 0 {
		band = r.Size().Y + 2*vg.Points(legendGap)
	}
	p.Y.Tick.Marker = paddedTicks{Ticker: p.Y.Tick.Marker, pad: p.Y.Tick.Label}

	c := vgsvg.New(w, h+band)
	dc := draw.New(c)
	axes := draw.Crop(dc, 0, -rightMargin(p), band, 0)
	data := p.DataCanvas(axes)
	if err := checkFit(p, legend, axes, data, probe); err != nil {
		return err
	}
	p.Draw(axes)
	if band > 0 {
		legend.Left, legend.Top = true, true
		legend.XOffs, legend.YOffs = 0, -vg.Points(legendGap)
		legend.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: data.Min.X, Y: dc.Min.Y},
			Max: vg.Point{X: dc.Max.X, Y: dc.Min.Y + band},
		}})
	}

	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	out := bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"), []byte("font-family:"+FontFamily+";"))
	if n := bytes.Count(out, []byte("font-family:")) - bytes.Count(out, []byte("font-family:"+FontFamily+";")); n > 0 {
		return fmt.Errorf("figure: %s: %d texts in a font other than Liberation Sans", path, n)
	}
	return os.WriteFile(path, out, 0o644)
}

// rightMargin returns the room to leave right of the axes for the last x
// tick label, centered on the axis end: a label of width W set TextSlack
// times as wide ends (TextSlack - 1/2) W past it. Two points more keep the
// last data mark clear of the edge.
func rightMargin(p *plot.Plot) vg.Length {
	var widest vg.Length
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		widest = vg.Length(math.Max(float64(widest), float64(p.X.Tick.Label.Width(t.Label))))
	}
	return (TextSlack-0.5)*widest + vg.Points(2)
}

// checkFit returns an error naming the first line of text that would leave
// its room when set TextSlack times as wide: text is anchored where gonum
// computed it with Liberation Sans and grows to the right (centered text
// starts (room - W)/2 in, so it needs W (2 TextSlack - 1) <= room).
func checkFit(p *plot.Plot, legend plot.Legend, axes, data, probe draw.Canvas) error {
	centered := func(what, txt string, sty text.Style, room vg.Length) error {
		for _, line := range strings.Split(txt, "\n") {
			if need := sty.Width(line) * (2*TextSlack - 1); need > room {
				return fmt.Errorf("figure: %s %q needs %.0f pt with a font %g times as wide, has %.0f pt", what, line, need.Points(), TextSlack, room.Points())
			}
		}
		return nil
	}
	if err := centered("title line", p.Title.Text, p.Title.TextStyle, axes.Size().X); err != nil {
		return err
	}
	if err := centered("x label", p.X.Label.Text, p.X.Label.TextStyle, data.Size().X); err != nil {
		return err
	}
	if err := centered("y label", p.Y.Label.Text, p.Y.Label.TextStyle, data.Size().Y); err != nil {
		return err
	}
	sty := legend.TextStyle
	for _, e := range legendTexts(legend, probe) {
		start := data.Min.X + legend.ThumbnailWidth + sty.Width(" ")
		if end := start + sty.Width(e)*TextSlack; end > axes.Max.X {
			return fmt.Errorf("figure: legend entry %q ends at %.0f pt with a font %g times as wide, past the canvas's %.0f pt", e, end.Points(), TextSlack, axes.Max.X.Points())
		}
	}
	return nil
}

// legendTexts returns the texts of the legend's entries, which gonum/plot
// does not export, by drawing the legend onto a recording canvas over the
// throwaway canvas c.
func legendTexts(l plot.Legend, c draw.Canvas) []string {
	rec := &textRecorder{Canvas: c.Canvas}
	l.Draw(draw.Canvas{Canvas: rec, Rectangle: c.Rectangle})
	return rec.texts
}

// textRecorder is a vg.Canvas that records the text drawn on it and draws
// nothing.
type textRecorder struct {
	vg.Canvas
	texts []string
}

func (r *textRecorder) FillString(_ font.Face, _ vg.Point, s string) { r.texts = append(r.texts, s) }
func (r *textRecorder) Stroke(vg.Path)                               {}
func (r *textRecorder) Fill(vg.Path)                                 {}
func (r *textRecorder) SetLineWidth(vg.Length)                       {}
func (r *textRecorder) SetLineDash([]vg.Length, vg.Length)           {}
func (r *textRecorder) Push()                                        {}
func (r *textRecorder) Pop()                                         {}

// paddedTicks appends spaces to each tick label so that a right-aligned
// label set TextSlack times as wide still ends before the tick marks
// (gonum/plot leaves one space there): ceil((TextSlack - 1) W / space) - 1
// spaces for the widest label W.
type paddedTicks struct {
	plot.Ticker
	pad text.Style
}

func (t paddedTicks) Ticks(min, max float64) []plot.Tick {
	ticks := t.Ticker.Ticks(min, max)
	var widest vg.Length
	for _, tk := range ticks {
		widest = vg.Length(math.Max(float64(widest), float64(t.pad.Width(tk.Label))))
	}
	n := int(math.Ceil(float64((TextSlack-1)*widest/t.pad.Width(" ")))) - 1
	if n <= 0 {
		return ticks
	}
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label += strings.Repeat(" ", n)
		}
	}
	return ticks
}
