package dev.evomerge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class SvgTest {
    @Test
    void escapesMarkupQuotesAndIllegalControlCharacters() {
        assertEquals("a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;", Svg.escape("a <b> & \"c\" 'd'"));
        assertEquals("tab\tnl\n\uFFFDbell", Svg.escape("tab\tnl\n\u0000bell"));
        assertEquals("\uD83D\uDE00 ok, lone \uFFFD", Svg.escape("\uD83D\uDE00 ok, lone \uD83D"));
        assertEquals("", Svg.escape(null));
    }

    @Test
    void numbersHaveAtMostTwoDecimalsAndNoNegativeZero() {
        assertEquals("0", Svg.num(-0.0));
        assertEquals("0", Svg.num(-0.004));
        assertEquals("12", Svg.num(12.0));
        assertEquals("12.5", Svg.num(12.5));
        assertEquals("12.35", Svg.num(12.345678));
        assertEquals("-3.1", Svg.num(-3.1));
        assertThrows(IllegalArgumentException.class, () -> Svg.num(Double.NaN));
    }

    @Test
    void buildsAWellFormedDocumentWithEscapedTextAndAttributes() {
        Svg svg = new Svg(100, 50);
        svg.open("g", "class", "a<&>b", "data-x", 1.5);
        svg.text(10, 20, "R&D <tag> \"q\"", "text-anchor", "middle");
        svg.add("rect", "x", 0, "y", 0, "width", 5, "height", 5, "fill", null);
        svg.close();
        Document doc = XmlCheck.parse(svg.toString());
        Element g = XmlCheck.elements(doc, "g").getFirst();
        assertEquals("a<&>b", g.getAttribute("class"));
        assertEquals("1.5", g.getAttribute("data-x"));
        assertEquals("R&D <tag> \"q\"", XmlCheck.elements(doc, "text").getFirst().getTextContent());
        Element rect = XmlCheck.elements(doc, "rect").get(1);
        assertEquals("", rect.getAttribute("fill"), "null attributes are left out");
        assertEquals("0 0 100 50", doc.getDocumentElement().getAttribute("viewBox"));
    }

    @Test
    void refusesUnbalancedElementsAndOddAttributes() {
        Svg open = new Svg(10, 10).open("g");
        assertThrows(IllegalStateException.class, open::toString);
        assertThrows(IllegalStateException.class, () -> new Svg(10, 10).close());
        assertThrows(IllegalArgumentException.class, () -> new Svg(10, 10).add("rect", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Svg(0, 10));
    }

    @Test
    void ticksLandOnNiceStepsAndCoverTheRange() {
        // Raw step 0.422 / 6 = 0.0703 rounds up to the next nice step, 0.1.
        Ticks t = Ticks.nice(0.312, 0.734, 6);
        assertEquals(0.1, t.step(), 1e-15);
        assertEquals(List.of(0.3, 0.4, 0.5, 0.6, 0.7, 0.8), t.values());
        assertEquals("0.7", t.label(0.7));
        // Raw step 0.4 / 8 = 0.05 is nice already.
        Ticks h = Ticks.nice(0.3, 0.7, 8);
        assertEquals(List.of(0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7), h.values());
        assertEquals("0.35", h.label(0.35));
        // The data max is exactly a multiple of the step: no extra tick past it.
        assertEquals(0.3, Ticks.nice(0, 0.3, 3).hi(), 1e-15);
        Ticks flat = Ticks.nice(2, 2, 4);
        assertEquals(true, flat.lo() < 2 && flat.hi() > 2);
        assertEquals("0.0", new Ticks(-1, 1, 0.5).label(-1e-17));
        assertEquals(List.of(-0.3, -0.2, -0.1, 0.0, 0.1), new Ticks(-0.3, 0.1, 0.1).values());
        assertEquals("1.25", Ticks.shortNumber(1.25));
        assertEquals("100", Ticks.shortNumber(100));
        assertEquals("0.3333", Ticks.shortNumber(1.0 / 3));
    }

    @Test
    void viridisEndpointsAndTextContrast() {
        assertEquals("#440154", Palette.viridis(0));
        assertEquals("#fde725", Palette.viridis(1));
        assertEquals("#fde725", Palette.viridis(7));
        assertEquals("#21918c", Palette.viridis(0.5));
        assertEquals("#ffffff", Palette.textOn(Palette.viridisRgb(0)));
        assertEquals("#000000", Palette.textOn(Palette.viridisRgb(1)));
    }
}
