package dev.evomerge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportDemoTest {
    @Test
    void demoReportIsCompleteAndSmall(@TempDir Path tmp) throws IOException {
        String target = System.getProperty("evomerge.reportDemo");
        Path dir = target == null ? tmp : Path.of(target);
        List<Path> files = RunReport.write(dir, ReportDemo.data());
        assertEquals(List.of(RunReport.BEST_SO_FAR, RunReport.TASK_SCORES, RunReport.SWEEP, RunReport.PARETO,
                        RunReport.MARKDOWN, RunReport.HTML),
                files.stream().map(p -> p.getFileName().toString()).toList());
        for (Path f : files) {
            long size = Files.size(f);
            assertTrue(size > 500 && size < 120_000, f + " has " + size + " bytes");
            if (!f.toString().endsWith(".md")) {
                XmlCheck.parse(Files.readString(f));
            }
        }
    }
}
