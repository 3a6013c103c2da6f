public final class Segment {
    private final Point from, to;

    public Segment(Point from, Point to) {
        this.from = from;
        this.to = to;
    }

    public double length() {
        return Math.hypot(to.x() - from.x(), to.y() - from.y());
    }
}
