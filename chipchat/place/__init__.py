"""Placement: floorplan, place and time a design with wires (GrayWolf or OpenROAD), and draw it."""
