package dev.evomerge.cli;

import dev.evomerge.search.refine.Refinement;
import dev.evomerge.search.strategy.Strategies;
import java.util.Iterator;
import picocli.CommandLine;

/**
 * {@code --strategy}'s value, checked by picocli against the strategy registry ({@link Strategies}, {@link Refinement})
 * while the command line is parsed, so a misspelt name is a usage error (exit 2) like any other bad flag value. Not a
 * Java enum: the names are an open family ({@code cmaes+refine3} for any step count) and the registry is their one
 * list; an enum would be a second list to keep in step. The fixed names are picocli's completion candidates.
 */
final class StrategyName implements CommandLine.ITypeConverter<String>, Iterable<String> {
    @Override
    public String convert(String value) {
        if (!Strategies.names().contains(value) && !Refinement.refines(value)) {
            throw new CommandLine.TypeConversionException("must be one of " + Strategies.NAMES + ", but was '"
                    + value + "'");
        }
        return value;
    }

    @Override
    public Iterator<String> iterator() {
        return Strategies.names().iterator();
    }
}
